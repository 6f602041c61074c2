using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Recording;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Reference;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Signal.Tests;

/// <summary>The fixed-point chain against the double reference on real EEG, as the unit would see it.</summary>
public class RecordedEegAccuracyTests
{
    private static readonly string[] Montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];
    private const double MicrovoltsPerCount = 4.5 * 2 / 24 / 16777216 * 1e6;

    [Test]
    public void Every_S001_run_filters_to_within_101_db_of_the_double_reference([Range(1, 14)] int run)
    {
        var recording = RecordingLoader.Load(SharedData.Path($"eegmmidb/S001/S001R{run:00}.edf"));
        var input = AsUnitCounts(recording, 250);
        var cascade = new BiquadCascadeQ31(FixedPointCascadeTests.DefaultSections(), Montage.Length);
        var reference = new BiquadCascadeDouble(cascade.QuantisedSections, Montage.Length);
        var snr = FixedPointCascadeTests.Snr(cascade, reference, input);
        TestContext.Out.WriteLine($"S001R{run:00}: SNR {snr:0.0} dB");
        // Deterministic (bit-identical Q31 on the same recording): 101.3 dB (R08) to 105.6 dB (R02) over the 14 runs.
        Assert.That(snr, Is.GreaterThanOrEqualTo(101));
    }

    /// <summary>The montage channels, resampled 160 -> 250 Hz, as ADS1299 counts at gain 24 left-aligned to Q31.</summary>
    private static int[] AsUnitCounts(MicrovoltRecording recording, int rate)
    {
        var interpolator = new BandLimitedInterpolator(recording.SampleRate, rate);
        var frames = (int)(recording.SampleCount * rate / recording.SampleRate);
        var data = new int[frames * Montage.Length];
        for (var c = 0; c < Montage.Length; c++)
        {
            var source = recording.Microvolts[recording.FindChannel(Montage[c])];
            for (var f = 0; f < frames; f++)
            {
                var counts = (int)Math.Round(interpolator.Sample(source, f) / MicrovoltsPerCount);
                data[(f * Montage.Length) + c] = Q31.FromCounts(counts);
            }
        }

        return data;
    }
}
