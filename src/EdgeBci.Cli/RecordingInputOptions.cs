using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Recording;

namespace EdgeBci.Cli;

/// <summary>
/// What a recording may not say about itself, on every command that reads one: BrainFlow CSV states neither its rate
/// nor its channel count, OpenBCI GUI v1/v2 text no channel count. A file that states them must agree.
/// </summary>
internal sealed class RecordingInputOptions
{
    public Option<double?> SampleRate { get; } = new("--source-rate")
    {
        Description = "The input recording's sample rate in Hz, for files that do not state it (BrainFlow CSV); a file that does must agree.",
    };

    public Option<int?> ChannelCount { get; } = new("--source-channel-count")
    {
        Description = "The input recording's EEG channel count, for files that do not state it (BrainFlow CSV, OpenBCI GUI v1/v2 text).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(SampleRate);
        command.Options.Add(ChannelCount);
    }

    /// <summary>The values for <see cref="RecordingLoader.Load(string, RecordingHints)"/>, checked; errors name the options.</summary>
    public RecordingHints Hints(ParseResult parse)
    {
        var hints = new RecordingHints
        {
            SampleRate = parse.GetValue(SampleRate),
            ChannelCount = parse.GetValue(ChannelCount),
            SampleRateSetting = SampleRate.Name,
            ChannelCountSetting = ChannelCount.Name,
        };
        var errors = hints.Validate();
        return errors.Count == 0 ? hints : throw new ArgumentException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>Device commands replay through the emulator: the options override its configuration keys.</summary>
    public void AddEmulatorOverrides(ParseResult parse, IDictionary<string, string?> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        if (parse.GetValue(SampleRate) is { } rate)
        {
            overrides[$"{EmulatorOptions.Section}:{nameof(EmulatorOptions.SourceSampleRate)}"] = rate.ToString("R", CultureInfo.InvariantCulture);
        }

        if (parse.GetValue(ChannelCount) is { } count)
        {
            overrides[$"{EmulatorOptions.Section}:{nameof(EmulatorOptions.SourceChannelCount)}"] = count.ToString(CultureInfo.InvariantCulture);
        }
    }
}
