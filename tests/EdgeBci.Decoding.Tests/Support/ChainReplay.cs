using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Training.Data;

namespace EdgeBci.Decoding.Tests.Support;

/// <summary>
/// A recording as the unit streams it, kept in the integers the firmware handles: the raw counts left-aligned to
/// Q31 at the chip's rate (what the signal stage holds before the chain, and what the focus meter takes), and the
/// chain's Q31 output frame by frame (what SignalService publishes for the decoder).
/// </summary>
/// <param name="Raw">Raw frames × device channels, counts &lt;&lt; 8, at the chip's rate.</param>
/// <param name="Output">Chain output frames × output channels, Q31, at the output rate.</param>
internal sealed record ChainStream(int[] Raw, int[] Output, int OutputFrames, string[] DeviceNames, string[] OutputNames, int ChipRate, int OutputRate,
    double MicrovoltsPerQ31)
{
    public int OutputChannels => OutputNames.Length;

    public ReadOnlySpan<int> Frame(long index) => Output.AsSpan((int)(index * OutputChannels), OutputChannels);
}

internal static class ChainReplay
{
    /// <summary>
    /// The same sequence of steps as <see cref="DeviceReplay.Run"/> (DatasetBuilder's replay): the recording played into
    /// the electrodes at the chip's rate, quantised to counts, through a fresh chain in the unit's block size; but the
    /// chain's output is kept as Q31 instead of being converted to microvolts.
    /// </summary>
    public static ChainStream Run(string path, IReadOnlyList<string> montage, SignalOptions signal, ReplaySettings device)
    {
        var recording = RecordingLoader.Load(path);
        var gain = device.Validate();
        var deviceNames = montage.Select(ChannelLabel.Normalize).ToArray();
        var replay = new RecordingSignalSource(recording, montage);
        var chain = SignalChain.Create(signal, deviceNames, device.SampleRate, signal.BlockFrames);
        var channels = deviceNames.Length;
        var inputFrames = (int)Math.Floor(recording.SampleCount * (double)device.SampleRate / recording.SampleRate);
        var raw = new int[inputFrames * channels];
        var output = new int[(chain.MaximumOutputFrames(inputFrames) + chain.MaximumOutputFrames(signal.BlockFrames)) * chain.OutputChannels];
        var microvolts = new double[channels];
        var block = new int[signal.BlockFrames * channels];
        var written = 0;
        for (var start = 0; start < inputFrames; start += signal.BlockFrames)
        {
            var frames = Math.Min(signal.BlockFrames, inputFrames - start);
            for (var f = 0; f < frames; f++)
            {
                replay.Generate(start + f, device.SampleRate, microvolts);
                for (var c = 0; c < channels; c++)
                {
                    var counts = Ads1299Scaling.ToCounts(microvolts[c], gain);
                    block[(f * channels) + c] = counts;
                    raw[((start + f) * channels) + c] = Q31.FromCounts(counts);
                }
            }

            written += chain.Process(block.AsSpan(0, frames * channels), output.AsSpan(written * chain.OutputChannels));
        }

        var names = EdgeBci.Signal.Referencing.Rereferencer.Parse(signal.Reference, deviceNames).OutputChannelNames(deviceNames);
        return new ChainStream(raw, output[..(written * chain.OutputChannels)], written, deviceNames, names, device.SampleRate, chain.OutputRate,
            Q31.MicrovoltsPerStep(Ads1299Scaling.MicrovoltsPerCount(gain)));
    }
}
