using System.Diagnostics;
using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Decoding;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The whole unit's pipeline as fast as one core can run it: the emulated ADS1299 replaying the demo recording
/// (free-running DRDY), every frame read over the emulated SPI bus by the driver and published to the ring, the Q31
/// signal chain in blocks, and the int8 decoder every hop on the shipped default model, all on this one thread.
/// Reports how many times faster than real time the recording went through, and the managed bytes allocated.
/// </summary>
internal static class PipelineReplay
{
    public const double Goal = 500;

    public static bool Run(double recordingSeconds)
    {
        var root = Path.Combine(RepositoryRoot(), "firmware", "EdgeBci.Firmware");
        var options = new Ads1299Options { Channels = Ads1299Options.DefaultMontage };
        var emulator = new EmulatorOptions { Pacing = "FreeRunning" };
        using var frontEnd = FrontEnd.Open("emulator", options, emulator, root);
        frontEnd.Initialize();
        var signal = new SignalOptions();
        var chain = SignalChain.Create(signal, frontEnd.ChannelNames, frontEnd.SampleRate, signal.BlockFrames);
        var microvoltsPerQ31 = Q31.MicrovoltsPerStep(EdgeBci.Acquisition.Ads1299.Ads1299Scaling.MicrovoltsPerCount(options.GainSetting));
        var bundle = ModelBundle.Load(Path.Combine(root, "models", "s001-left-vs-right"), ModelTrustPolicy.None);
        var decisions = 0L;
        using var decoder = new LiveDecoder(new OnnxWindowClassifier(bundle, new InferenceOptions()), UnitConfiguration.For(signal, frontEnd.ChannelNames, frontEnd.SampleRate),
            microvoltsPerQ31, new DecodingOptions(), (in Decision _) => decisions++);

        var channels = frontEnd.ChannelNames.Count;
        var ring = new SampleRing(channels, 1, 4096);
        using var reader = ring.CreateReader();
        using var loop = new AcquisitionLoop(frontEnd.Device, ring, frontEnd.SampleRate, dataReadyKeepsTime: false);
        frontEnd.Device.StartContinuous();
        var frameBuffer = new byte[frontEnd.Device.FrameLength];
        var block = signal.BlockFrames;
        var raw = new int[block * channels];
        var output = new int[chain.MaximumOutputFrames(block) * chain.OutputChannels];
        var frame = new int[channels];
        var totalFrames = (long)(recordingSeconds * frontEnd.SampleRate);

        // Warm-up: JIT, ONNX Runtime's first runs, caches.
        Replay(frontEnd.SampleRate * 10L);
        var decisionsBefore = decisions;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Replay(totalFrames);
        clock.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        var speed = recordingSeconds / clock.Elapsed.TotalSeconds;
        var ok = speed >= Goal;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline replay (emulated SPI -> Q31 chain -> int8 decoder every {decoder.HopSamples} samples, one thread): {recordingSeconds:0} s of recording in {clock.Elapsed.TotalSeconds:0.000} s = {speed:0}x real time " +
            $"(goal {Goal:0}x) {(ok ? "ok" : "MISSED")}; {decisions - decisionsBefore} decisions, {clock.Elapsed.TotalMilliseconds * 1000 / totalFrames:0.00} µs per frame, {allocated} bytes allocated"));
        return ok;

        void Replay(long frames)
        {
            long outputIndex = 0;
            for (long done = 0; done < frames; done += block)
            {
                var count = (int)Math.Min(block, frames - done);
                for (var f = 0; f < count; f++)
                {
                    loop.ReadOne(frameBuffer);
                    reader.TryRead(frame, default, out _);
                    for (var c = 0; c < channels; c++)
                    {
                        raw[(f * channels) + c] = frame[c] << Q31.CountShift;
                    }
                }

                var produced = chain.ProcessLeftAligned(raw.AsSpan(0, count * channels), output);
                for (var f = 0; f < produced; f++)
                {
                    decoder.Push(output.AsSpan(f * chain.OutputChannels, chain.OutputChannels), outputIndex, outputIndex);
                    outputIndex++;
                }
            }
        }
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeBci.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No EdgeBci.sln above {AppContext.BaseDirectory}.");
    }
}
