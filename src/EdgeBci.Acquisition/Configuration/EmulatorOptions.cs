namespace EdgeBci.Acquisition.Configuration;

/// <summary>The <c>Emulator</c> configuration section: what the emulated ADS1299 plays, used when <c>Board</c> is <c>emulator</c>.</summary>
public sealed class EmulatorOptions
{
    public const string Section = "Emulator";
    public const string SyntheticSource = "synthetic";

    /// <summary>A recording (EDF+, BDF+, OpenBCI .txt), relative to the content root, or "synthetic".</summary>
    public string Source { get; set; } = "demo/eegmmidb-S001R04-8ch.bdf";

    /// <summary>Recording channel to play into each device channel; empty means the device channel names.</summary>
    public string[] SourceChannels { get; set; } = [];

    /// <summary>RealTime (DRDY at the data rate) or FreeRunning (as fast as the reader drains it).</summary>
    public string Pacing { get; set; } = "RealTime";

    public double ElectrodeImpedanceKiloohms { get; set; } = 5;

    /// <summary>Synthetic source only: mains interference amplitude (µV) and frequency (Hz).</summary>
    public double LineNoiseMicrovolts { get; set; }

    public double LineFrequency { get; set; } = 50;

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

        return errors;
    }
}
