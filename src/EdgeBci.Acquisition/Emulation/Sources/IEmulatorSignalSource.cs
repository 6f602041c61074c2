namespace EdgeBci.Acquisition.Emulation.Sources;

/// <summary>
/// What the emulated electrodes see. Sources are addressed by conversion index so the emulator can skip
/// conversions nobody read (real-time pacing) without the signal losing its place in time.
/// </summary>
public interface IEmulatorSignalSource
{
    /// <summary>Electrode channels this source drives, in device channel order.</summary>
    int ChannelCount { get; }

    /// <summary>Human-readable description for logs (file name, synthetic recipe).</summary>
    string Description { get; }

    /// <summary>Writes the electrode voltages in microvolts of conversion <paramref name="sampleIndex"/> at <paramref name="sampleRate"/>.</summary>
    void Generate(long sampleIndex, double sampleRate, Span<double> microvolts);
}
