using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Emulation.Sources;

/// <summary>
/// Replays a recording (EDF+, BDF+, OpenBCI text) through the emulated electrodes: channels are picked by name,
/// resampled to whatever data rate the chip is set to, and the recording loops when it ends.
/// </summary>
public sealed class RecordingSignalSource : IEmulatorSignalSource
{
    private readonly double[][] _channels;
    private readonly double _sourceRate;
    private BandLimitedInterpolator? _interpolator;

    /// <param name="recording">The recording in microvolts.</param>
    /// <param name="channelLabels">For each device channel, the recording channel to play into it.</param>
    public RecordingSignalSource(MicrovoltRecording recording, IReadOnlyList<string> channelLabels)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(channelLabels);
        _sourceRate = recording.SampleRate;
        _channels = new double[channelLabels.Count][];
        for (var i = 0; i < channelLabels.Count; i++)
        {
            var index = recording.FindChannel(channelLabels[i]);
            if (index < 0)
            {
                throw new ArgumentException(
                    $"Channel '{channelLabels[i]}' (device channel {i + 1}) is not in {Path.GetFileName(recording.SourcePath)}; it has: {string.Join(", ", recording.ChannelLabels)}.",
                    nameof(channelLabels));
            }

            _channels[i] = recording.Microvolts[index];
        }

        LengthSamples = _channels.Length == 0 ? 0 : _channels[0].Length;
        if (LengthSamples == 0)
        {
            throw new ArgumentException($"{Path.GetFileName(recording.SourcePath)} holds no samples to replay.", nameof(recording));
        }

        Description = $"{Path.GetFileName(recording.SourcePath)} ({recording.SampleRate:0.###} Hz, {LengthSamples / recording.SampleRate:0.#} s, looped)";
    }

    public int ChannelCount => _channels.Length;

    public string Description { get; }

    public int LengthSamples { get; }

    public double SourceRate => _sourceRate;

    public void Generate(long sampleIndex, double sampleRate, Span<double> microvolts)
    {
        var interpolator = _interpolator;
        if (interpolator is null || interpolator.OutputRate != sampleRate)
        {
            interpolator = _interpolator = new BandLimitedInterpolator(_sourceRate, sampleRate);
        }

        for (var channel = 0; channel < _channels.Length; channel++)
        {
            microvolts[channel] = interpolator.Sample(_channels[channel], sampleIndex);
        }
    }
}
