using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Configuration;

/// <summary>The <c>Emulator</c> configuration section: what the emulated ADS1299 plays, used when <c>Board</c> is <c>emulator</c>.</summary>
public sealed class EmulatorOptions
{
    public const string Section = "Emulator";
    public const string SyntheticSource = "synthetic";

    /// <summary>A recording (EDF+, BDF+, OpenBCI GUI .txt, BrainFlow CSV), relative to the content root, or "synthetic".</summary>
    public string Source { get; set; } = "demo/eegmmidb-S001R04-8ch.bdf";

    /// <summary>
    /// Recording channel to play into each device channel; empty means the device channel names. OpenBCI and
    /// BrainFlow files name their channels "EXG Channel 0" .. "EXG Channel N-1".
    /// </summary>
    public string[] SourceChannels { get; set; } = [];

    /// <summary>
    /// The recording's sample rate (Hz) when the file does not state it (BrainFlow CSV); null: from the file. A file
    /// that states its rate must agree.
    /// </summary>
    public double? SourceSampleRate { get; set; }

    /// <summary>
    /// The recording's EEG channel count when the file does not state it (BrainFlow CSV, OpenBCI GUI v1/v2 text);
    /// null: from the file. A file that states it must agree.
    /// </summary>
    public int? SourceChannelCount { get; set; }

    /// <summary>RealTime (DRDY at the data rate) or FreeRunning (as fast as the reader drains it).</summary>
    public string Pacing { get; set; } = "RealTime";

    public double ElectrodeImpedanceKiloohms { get; set; } = 5;

    /// <summary>Synthetic source only: mains interference amplitude (µV) and frequency (Hz).</summary>
    public double LineNoiseMicrovolts { get; set; }

    public double LineFrequency { get; set; } = 50;

    /// <summary>
    /// Chip faults the firmware injects while it runs, each after its delay (see <see cref="EmulatorFaultOptions"/>);
    /// empty by default. The CLI takes faults from <c>--inject</c> instead.
    /// </summary>
    public EmulatorFaultOptions[] Faults { get; set; } = [];

    public IReadOnlyList<string> Validate(int deviceChannels)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Source))
        {
            errors.Add($"{Section}:Source is empty; give a recording path or '{SyntheticSource}'.");
        }

        if (SourceChannels.Length != 0 && SourceChannels.Length != deviceChannels)
        {
            errors.Add($"{Section}:SourceChannels has {SourceChannels.Length} names but the device has {deviceChannels} channels; give one per channel or none.");
        }

        errors.AddRange(RecordingHints().Validate());

        if (!Enum.TryParse<Emulation.EmulatorPacing>(Pacing, ignoreCase: true, out _))
        {
            errors.Add($"{Section}:Pacing = '{Pacing}' is not allowed; use RealTime or FreeRunning.");
        }

        if (ElectrodeImpedanceKiloohms is < 0 or > 10_000 || double.IsNaN(ElectrodeImpedanceKiloohms))
        {
            errors.Add($"{Section}:ElectrodeImpedanceKiloohms = {ElectrodeImpedanceKiloohms} is out of range 0..10000.");
        }

        if (LineNoiseMicrovolts is < 0 or > 100_000 || double.IsNaN(LineNoiseMicrovolts))
        {
            errors.Add($"{Section}:LineNoiseMicrovolts = {LineNoiseMicrovolts} is out of range 0..100000.");
        }

        if (LineFrequency is not (50 or 60))
        {
            errors.Add($"{Section}:LineFrequency = {LineFrequency} is not allowed; use 50 or 60.");
        }

        for (var i = 0; i < Faults.Length; i++)
        {
            var fault = Faults[i];
            if (!Emulation.EmulatorFault.TryParse(fault.Fault, deviceChannels, out _, out var problem))
            {
                errors.Add($"{Section}:Faults:{i}:Fault = '{fault.Fault}': {problem}");
            }

            if (!(fault.AfterSeconds is >= 0 and <= EmulatorFaultOptions.MaximumAfterSeconds))
            {
                errors.Add(FormattableString.Invariant($"{Section}:Faults:{i}:AfterSeconds = {fault.AfterSeconds} is out of range 0..{EmulatorFaultOptions.MaximumAfterSeconds}."));
            }
        }

        return errors;
    }

    /// <summary>The source's rate and channel count as the recording loader takes them, errors naming these keys.</summary>
    public RecordingHints RecordingHints() => new()
    {
        SampleRate = SourceSampleRate,
        ChannelCount = SourceChannelCount,
        SampleRateSetting = $"{Section}:{nameof(SourceSampleRate)}",
        ChannelCountSetting = $"{Section}:{nameof(SourceChannelCount)}",
    };
}

/// <summary>
/// One entry of <c>Emulator:Faults</c>: a fault in the <c>--inject</c> spelling (<see cref="Emulation.EmulatorFault.Usage"/>)
/// and when to inject it. An entry with <see cref="AfterSeconds"/> 0 is in place before the chip is identified and
/// configured (so <c>wrong-id</c> works as with the CLI); a later one is injected that many seconds after the firmware
/// started streaming, into the running chip.
/// </summary>
public sealed class EmulatorFaultOptions
{
    /// <summary>One day: a longer delay is a typing error, not a test.</summary>
    public const double MaximumAfterSeconds = 86_400;

    public string Fault { get; set; } = string.Empty;

    public double AfterSeconds { get; set; }
}
