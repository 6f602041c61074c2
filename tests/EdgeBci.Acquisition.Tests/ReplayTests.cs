using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Acquisition.Tests;

public class ReplayTests
{
    private static readonly string[] Montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    /// <summary>
    /// S001R04 at 160 Hz, replayed at 250 SPS through emulator, SPI bytes, driver and ring: wherever a device sample
    /// falls on a recorded sample (every 25th, since 250/160 = 25/16) the microvolts match the file within one LSB,
    /// and every sample matches the band-limited interpolation of the file within one LSB.
    /// </summary>
    [Test]
    public void S001R04_comes_back_through_the_whole_chain_within_one_lsb()
    {
        var recording = RecordingLoader.Load(SharedData.Path("eegmmidb/S001/S001R04.edf"));
        var source = new RecordingSignalSource(recording, Montage);
        using var rig = new EmulatedRig(source, EmulatorPacing.FreeRunning);
        rig.Initialize(new Ads1299Configuration { LeadOff = LeadOffMode.Off });
        var frames = 250 * 60;
        var ring = new SampleRing(8, 1, frames);
        var loop = new AcquisitionLoop(rig.Device, ring, 250, dataReadyKeepsTime: rig.Emulator.IsRealTime);
        rig.Device.StartContinuous();
        var buffer = new byte[rig.Device.FrameLength];
        while (loop.Counters.Frames < frames)
        {
            loop.ReadOne(buffer);
        }

        var lsb = Ads1299Scaling.MicrovoltsPerCount(Ads1299Gain.X24);
        var interpolator = new BandLimitedInterpolator(160, 250);
        var channels = Montage.Select(recording.FindChannel).ToArray();
        using var reader = ring.CreateReaderAtOldest();
        var samples = new int[8];
        var coincident = 0;
        var worst = 0.0;
        while (reader.TryRead(samples, default, out var stamp))
        {
            for (var c = 0; c < 8; c++)
            {
                var microvolts = samples[c] * lsb;
                var original = recording.Microvolts[channels[c]];
                if (stamp.SampleIndex % 25 == 0)
                {
                    Assert.That(microvolts, Is.EqualTo(original[stamp.SampleIndex / 25 * 16]).Within(lsb), $"{Montage[c]} at {stamp.SampleIndex / 250.0} s");
                    coincident++;
                }

                worst = Math.Max(worst, Math.Abs(microvolts - interpolator.Sample(original, stamp.SampleIndex)));
            }
        }

        Assert.That(coincident, Is.EqualTo(8 * frames / 25));
        Assert.That(worst, Is.LessThanOrEqualTo(lsb), "every sample within 1 LSB of the resampled source");
    }

    [Test]
    public void Resampling_is_exact_on_coincident_samples_and_band_limited_between()
    {
        var rate = 160.0;
        var signal = Enumerable.Range(0, 1600).Select(i => Math.Sin(2 * Math.PI * 7 * i / rate)).ToArray();
        var up = new BandLimitedInterpolator(rate, 250);
        for (var k = 100; k < 2400; k++)
        {
            var expected = Math.Sin(2 * Math.PI * 7 * k / 250.0);
            Assert.That(up.Sample(signal, k), Is.EqualTo(expected).Within(2e-3), $"sample {k}");
        }

        // 60 Hz in a 250 Hz recording is above the Nyquist frequency of 100 SPS: the downsampler removes it.
        var high = Enumerable.Range(0, 2500).Select(i => Math.Sin(2 * Math.PI * 60 * i / 250.0)).ToArray();
        var down = new BandLimitedInterpolator(250, 100);
        var peak = Enumerable.Range(50, 900).Max(k => Math.Abs(down.Sample(high, k)));
        Assert.That(peak, Is.LessThan(0.05));
    }
}
