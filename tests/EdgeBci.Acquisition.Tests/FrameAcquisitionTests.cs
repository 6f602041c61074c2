using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Tests;

/// <summary>
/// "Acquire to BDF" (FrameAcquisition) on both paths: the reader-paced emulator read on the caller's thread, and the
/// ring fed by the acquisition thread at real time; several front-ends filling one recording back to back; annotations
/// placed at a sample index.
/// </summary>
public class FrameAcquisitionTests
{
    [Test]
    public void Two_free_running_front_ends_fill_one_recording_back_to_back_without_a_gap()
    {
        var path = TempPath();
        try
        {
            using (var first = Open("FreeRunning"))
            using (var recorder = Recorder(path, first))
            {
                using (var acquisition = new FrameAcquisition(first))
                {
                    Assert.That(acquisition.RecordUntil(recorder, 500), Is.EqualTo(500));
                }

                using var second = Open("FreeRunning");
                using (var acquisition = new FrameAcquisition(second, fileOffset: 500))
                {
                    var told = new List<long>();
                    Assert.That(acquisition.RecordUntil(recorder, 1_000, reached => { told.Add(reached); return true; }), Is.EqualTo(1_000));
                    Assert.That(told, Is.EqualTo(new long[] { 750, 1_000, 1_000 }), "told once per second and at the end");
                }

                Assert.That(recorder.SamplesWritten, Is.EqualTo(1_000));
                Assert.That(recorder.GapSamples, Is.Zero, "a reader-paced emulator loses nothing, however slow the disk");
            }

            Assert.That(RecordingLoader.Load(path).SampleCount, Is.EqualTo(1_000));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Keep_going_false_stops_the_recording_where_it_is_and_a_later_call_goes_on_from_there()
    {
        var path = TempPath();
        try
        {
            using var frontEnd = Open("FreeRunning");
            using var recorder = Recorder(path, frontEnd);
            using var acquisition = new FrameAcquisition(frontEnd);

            var stopped = acquisition.RecordUntil(recorder, 10_000, reached => reached < 500);
            var finished = acquisition.RecordUntil(recorder, 750);

            Assert.That(stopped, Is.EqualTo(500));
            Assert.That(finished, Is.EqualTo(750));
            Assert.That(recorder.SamplesWritten, Is.EqualTo(750));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void At_real_time_the_acquisition_thread_feeds_the_recording_up_to_the_index_asked_for()
    {
        var path = TempPath();
        try
        {
            using var frontEnd = Open("RealTime");
            using var recorder = Recorder(path, frontEnd);
            using var acquisition = new FrameAcquisition(frontEnd, fileOffset: 0);

            Assert.That(acquisition.RecordUntil(recorder, 60), Is.EqualTo(60));
            Assert.That(acquisition.RecordUntil(recorder, 130), Is.EqualTo(130));

            // A loaded machine may lose samples (filled and counted); the file index still ends exactly where asked.
            Assert.That(recorder.SamplesWritten, Is.EqualTo(130));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void An_annotation_at_a_sample_index_is_stored_at_that_sample_with_its_duration_in_samples()
    {
        var path = TempPath();
        try
        {
            using (var recorder = new BdfFrameRecorder(path, ["C3"], 250, Ads1299Gain.X24, "Startdate X X test", DateTime.Now))
            {
                recorder.Annotate(1_050, 1_025, "T2");
                for (var i = 0; i < 1_500; i++)
                {
                    recorder.Append([i], i);
                }

                recorder.Annotate(3, 0, "marker");
                Assert.Throws<ArgumentOutOfRangeException>(() => recorder.Annotate(-1, 0, "before the recording"));
            }

            var annotations = RecordingLoader.Load(path).Annotations;
            Assert.That(annotations, Does.Contain(new EdfAnnotation(4.2, 4.1, "T2")));
            Assert.That(annotations, Does.Contain(new EdfAnnotation(0.012, null, "marker")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static FrontEnd Open(string pacing)
    {
        var frontEnd = FrontEnd.Open(
            "emulator",
            new Ads1299Options { Channels = Ads1299Options.DefaultMontage },
            new EmulatorOptions { Source = EmulatorOptions.SyntheticSource, Pacing = pacing },
            AppContext.BaseDirectory);
        frontEnd.Initialize();
        return frontEnd;
    }

    private static BdfFrameRecorder Recorder(string path, FrontEnd frontEnd) =>
        new(path, frontEnd.ChannelNames, frontEnd.SampleRate, frontEnd.Options.GainSetting, "Startdate X X test", DateTime.Now);

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"edgebci-acquisition-{Guid.NewGuid():N}.bdf");
}
