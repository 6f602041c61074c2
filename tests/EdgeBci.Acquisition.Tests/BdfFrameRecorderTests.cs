using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Tests;

public class BdfFrameRecorderTests
{
    private static readonly string[] Channels = ["C3", "C4"];

    [Test]
    public void Counts_are_stored_losslessly_and_read_back_in_microvolts()
    {
        var path = TempPath();
        try
        {
            using (var recorder = new BdfFrameRecorder(path, Channels, 10, Ads1299Gain.X24, "Startdate X X test", new DateTime(2026, 11, 25, 10, 0, 0)))
            {
                for (var i = 0; i < 20; i++)
                {
                    recorder.Append([Ads1299Frame.MaximumCount - i, Ads1299Frame.MinimumCount + i], i);
                }
            }

            var recording = EdfReader.Read(path);
            Assert.That(recording.Header.Format, Is.EqualTo(EdfFormat.Bdf));
            Assert.That(recording.RecordCount, Is.EqualTo(2));
            var c3 = recording.FindSignal("C3");
            Assert.That(recording.GetDigital(c3)[5], Is.EqualTo(Ads1299Frame.MaximumCount - 5));
            Assert.That(recording.GetDigital(recording.FindSignal("C4"))[0], Is.EqualTo(Ads1299Frame.MinimumCount));
            // The header's 8-character fields cannot hold the exact LSB (a binary fraction); the counts are exact and
            // the microvolts a reader derives from the header are within one LSB.
            var lsb = Ads1299Scaling.MicrovoltsPerCount(Ads1299Gain.X24);
            Assert.That(recording.GetPhysical(c3)[5], Is.EqualTo((Ads1299Frame.MaximumCount - 5) * lsb).Within(lsb));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_hole_in_the_sample_index_is_held_and_annotated_and_the_end_keeps_the_length_asked_for()
    {
        var path = TempPath();
        try
        {
            using (var recorder = new BdfFrameRecorder(path, Channels, 10, Ads1299Gain.X24, "Startdate X X test", new DateTime(2026, 11, 25, 10, 0, 0)))
            {
                for (var i = 0; i < 5; i++)
                {
                    recorder.Append([i, -i], i);
                }

                recorder.Append([100, -100], 8); // samples 5, 6, 7 were lost
                recorder.EndAt(30);              // and everything after 8 too
                Assert.That(recorder.GapSamples, Is.EqualTo(3 + 21));
            }

            var recording = EdfReader.Read(path);
            Assert.That(recording.RecordCount, Is.EqualTo(3));
            var c3 = recording.GetDigital(recording.FindSignal("C3")).ToArray();
            Assert.That(c3[..9], Is.EqualTo(new[] { 0, 1, 2, 3, 4, 4, 4, 4, 100 }), "the last value is held through the hole");
            Assert.That(recording.Annotations.Select(a => a.Text), Has.Some.Contains("acquisition gap: 3 samples"));
            var gap = recording.Annotations.First(a => a.Text.Contains("3 samples", StringComparison.Ordinal));
            Assert.That(gap.Onset, Is.EqualTo(0.5).Within(1e-9));
            Assert.That(gap.Duration, Is.EqualTo(0.3).Within(1e-9));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"edgebci-recorder-{Guid.NewGuid():N}.bdf");
}
