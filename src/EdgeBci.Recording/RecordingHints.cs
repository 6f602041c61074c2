using System.Globalization;

namespace EdgeBci.Recording;

/// <summary>
/// What the user knows about a recording that the file may not say itself: BrainFlow's <c>write_file</c> CSV and
/// OpenBCI GUI v1/v2 text carry no channel count, BrainFlow CSV no sample rate either. A file that does state a
/// value must agree with the hint; a hint never overrides the file.
/// </summary>
public sealed record RecordingHints
{
    public const int MaximumChannelCount = 256;

    /// <summary>Nothing known beyond the file; errors then name the <see cref="RecordingHints"/> properties.</summary>
    public static RecordingHints None { get; } = new();

    /// <summary>Samples per second per channel, or null when the file must say it.</summary>
    public double? SampleRate { get; init; }

    /// <summary>EEG channels per row, or null when the file must say it.</summary>
    public int? ChannelCount { get; init; }

    /// <summary>How the user gives the rate, named in errors: a CLI option or a configuration key.</summary>
    public string SampleRateSetting { get; init; } = $"{nameof(RecordingHints)}.{nameof(SampleRate)}";

    /// <summary>How the user gives the channel count, named in errors.</summary>
    public string ChannelCountSetting { get; init; } = $"{nameof(RecordingHints)}.{nameof(ChannelCount)}";

    /// <summary>The problems with the hint values themselves, each naming its setting; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SampleRate is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SampleRateSetting} = {rate} is not a positive number of Hz."));
        }

        if (ChannelCount is { } count && count is < 1 or > MaximumChannelCount)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{ChannelCountSetting} = {count} is out of range 1..{MaximumChannelCount}."));
        }

        return errors;
    }

    /// <summary>True when <paramref name="fileRate"/> and the hinted rate differ (the hint is absent: false).</summary>
    public bool RateDisagrees(double fileRate) => SampleRate is { } hinted && Math.Abs(hinted - fileRate) > 1e-9 * Math.Max(hinted, fileRate);

    /// <summary>True when <paramref name="fileChannels"/> and the hinted count differ (the hint is absent: false).</summary>
    public bool ChannelCountDisagrees(int fileChannels) => ChannelCount is { } hinted && hinted != fileChannels;

    internal string RateConflict(double fileRate) =>
        string.Create(CultureInfo.InvariantCulture, $"the file says {fileRate:0.###} Hz but {SampleRateSetting} = {SampleRate:0.###}; correct or omit {SampleRateSetting}");

    internal string ChannelConflict(int fileChannels, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"the file has {fileChannels} {what} but {ChannelCountSetting} = {ChannelCount}; correct or omit {ChannelCountSetting}");
}
