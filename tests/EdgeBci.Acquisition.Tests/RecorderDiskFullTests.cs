using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Acquisition.Tests;

/// <summary>
/// A recording on a file system that fills up: the write that fails fails the recording with an
/// <see cref="IOException"/>, Dispose closes the file at its last whole second (no IndexOutOfRangeException), and the
/// file reads back with every complete second. On a real 2 MB tmpfs when mounting is allowed, else an injected error.
/// </summary>
public class RecorderDiskFullTests
{
    private static readonly string[] Channels = ["C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4", "Pz"];
    private const int SampleRate = 250;

    [TestCase("bdf")]
    [TestCase("edf")]
    public void A_full_disk_ends_the_recording_at_its_last_whole_second_and_dispose_does_not_throw(string extension)
    {
        using var disk = new SmallFileSystem("disk-full", 2048);
        TestContext.Out.WriteLine($"file system: {disk.Mode}");
        var path = Path.Combine(disk.Path, $"full.{extension}");
        var recorder = disk.Mounted
            ? new BdfFrameRecorder(path, Channels, SampleRate, Ads1299Gain.X24, "Startdate X X test", new DateTime(2026, 12, 1, 9, 0, 0))
            : new BdfFrameRecorder(new FailingStream(new FileStream(path, FileMode.CreateNew), 2048 * 1024), path, Channels, SampleRate, Ads1299Gain.X24,
                "Startdate X X test", new DateTime(2026, 12, 1, 9, 0, 0));
        var frame = new int[Channels.Length];
        IOException? failure = null;
        long sample = 0;
        for (; sample < 3600L * SampleRate && failure is null; sample++)
        {
            for (var c = 0; c < frame.Length; c++)
            {
                frame[c] = (int)((sample * 1009) + (c * 7919)) % 100_000;
            }

            try
            {
                recorder.Append(frame, sample);
            }
            catch (IOException exception)
            {
                failure = exception;
            }
        }

        Assert.That(failure, Is.Not.Null, "2 MB cannot hold an hour");
        Assert.That(() => recorder.Append(frame, sample), Throws.InstanceOf<IOException>().With.Message.Contains("recording failed"), "later appends are refused");
        Assert.That(recorder.Dispose, Throws.Nothing, "Dispose after a full disk (was IndexOutOfRangeException in Put)");

        var back = EdfReader.Read(path);
        var seconds = (int)(recorder.SamplesWritten / SampleRate);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seconds, Is.GreaterThan(10), "test set-up: some seconds fitted");
            Assert.That(back.Header.DataRecordCount, Is.EqualTo(seconds), "the header's count is fixed even on a full disk");
            Assert.That(back.RecordCount, Is.EqualTo(seconds));
            Assert.That(new FileInfo(path).Length, Is.EqualTo(back.Header.HeaderBytes + (seconds * back.Header.RecordBytes)), "the partial record is cut off");
            Assert.That(back.GetDigital(0).Length, Is.EqualTo(seconds * SampleRate));
        }

        if (extension == "bdf")
        {
            Assert.That(back.GetDigital(1)[SampleRate * 3], Is.EqualTo((int)(((SampleRate * 3L * 1009) + 7919) % 100_000)), "the counts are the ones appended");
        }
    }

    [Test]
    public void A_recording_is_refused_a_name_that_exists_and_gets_a_suffix_when_asked()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-names-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "20261201-090000.bdf");
            File.WriteAllText(path, "older recording");
            Assert.That(() => new BdfFrameRecorder(path, Channels, SampleRate, Ads1299Gain.X24, "X", DateTime.Now), Throws.InstanceOf<IOException>());
            using var second = new BdfFrameRecorder(path, Channels, SampleRate, Ads1299Gain.X24, "X", DateTime.Now, ExistingFile.AddSuffix);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Path.GetFileName(second.Path), Is.EqualTo("20261201-090000-1.bdf"));
                Assert.That(File.ReadAllText(path), Is.EqualTo("older recording"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void An_edf_recording_keeps_the_chip_range_in_16_bits_within_one_step()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-sixteen-{Guid.NewGuid():N}.edf");
        int[] counts = [Ads1299Frame.MinimumCount, -1_000_000, -300, -1, 0, 1, 300, 1_000_000, Ads1299Frame.MaximumCount, 12_345];
        try
        {
            double step;
            using (var recorder = new BdfFrameRecorder(path, ["C3"], counts.Length, Ads1299Gain.X24, "X", new DateTime(2026, 12, 1)))
            {
                step = recorder.MicrovoltsPerStep;
                for (var i = 0; i < counts.Length; i++)
                {
                    recorder.Append([counts[i]], i);
                }
            }

            var back = EdfReader.Read(path);
            var countMicrovolts = Ads1299Scaling.FullScaleMicrovolts(Ads1299Gain.X24) * 2 / ((double)Ads1299Frame.MaximumCount - Ads1299Frame.MinimumCount);
            var expected = counts.Select(c => (c + 0.5) * countMicrovolts).ToArray();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(back.Header.Format, Is.EqualTo(EdfFormat.Edf));
                Assert.That(step, Is.EqualTo(375_000 / 65_535.0).Within(1e-9), "±187500 µV at gain 24 over 16 bits");
                Assert.That(back.GetPhysical(0), Is.EqualTo(expected).Within((step / 2) + 1e-6));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
