using EdgeBci.Tests.Shared;
using static EdgeBci.Recording.Tests.TestRecordings;

namespace EdgeBci.Recording.Tests;

public class RecordingLoaderTests
{
    private static string Normalized(string label) => new EdfSignalHeader { Label = label }.NormalizedLabel;

    [Test]
    public void S001R04_loads_as_64_channels_of_microvolts_at_160_Hz()
    {
        var path = EdfReaderTests.RunPath(4);
        var edf = EdfReader.Read(path);

        var loaded = RecordingLoader.Load(path);

        Assert.That(loaded.ChannelLabels, Has.Count.EqualTo(64));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.SourcePath, Is.EqualTo(path));
            Assert.That(loaded.SampleRate, Is.EqualTo(160.0));
            Assert.That(loaded.Microvolts, Has.Length.EqualTo(64));
            Assert.That(loaded.Annotations, Is.EqualTo(edf.Annotations));
            for (var i = 0; i < 64; i++)
            {
                Assert.That(Normalized(loaded.ChannelLabels[i]), Is.EqualTo(edf.Header.Signals[i].NormalizedLabel), $"channel {i}");
                Assert.That(loaded.Microvolts[i].AsSpan().SequenceEqual(edf.GetPhysical(i)), Is.True, $"microvolts of {edf.Header.Signals[i].Label}");
            }
        }
    }

    [TestCase("Cz", 10)]
    [TestCase("C3", 8)]
    [TestCase("c3..", 8)]
    [TestCase("EEG FC3", 1)]
    [TestCase("Iz", 63)]
    [TestCase("EDF Annotations", -1)]
    [TestCase("Nope", -1)]
    public void FindChannel_finds_S001_electrodes_by_name(string wanted, int expected)
    {
        var loaded = RecordingLoader.Load(EdfReaderTests.RunPath(4));

        Assert.That(loaded.FindChannel(wanted), Is.EqualTo(expected));
    }

    [Test]
    public void The_OpenBCI_recording_loads_as_8_channels_at_250_Hz()
    {
        var path = SharedData.Path(OpenBciTextReaderTests.SharedFile);

        var loaded = RecordingLoader.Load(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.SourcePath, Is.EqualTo(path));
            Assert.That(loaded.SampleRate, Is.EqualTo(250.0));
            Assert.That(loaded.ChannelLabels, Is.EqualTo(Enumerable.Range(0, 8).Select(c => $"EXG Channel {c}")));
            Assert.That(loaded.Microvolts, Has.Length.EqualTo(8));
            Assert.That(loaded.Microvolts[0], Has.Length.EqualTo(22_490));
            Assert.That(loaded.Microvolts[0][0], Is.EqualTo(61379.36).Within(0.005));
            Assert.That(loaded.Microvolts[7][^1], Is.EqualTo(-6470.99).Within(0.005));
            Assert.That(loaded.Annotations, Is.Empty);
            Assert.That(loaded.FindChannel("EXG Channel 3"), Is.EqualTo(3));
        }
    }

    [Test]
    public void A_file_of_random_bytes_is_rejected_with_a_message_naming_it()
    {
        using var temp = new TempDirectory();
        var path = temp.File("random-noise.edf");
        var bytes = new byte[4096];
        new Random(1234).NextBytes(bytes);
        bytes[0] = 0x01;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws(Is.InstanceOf<RecordingFormatException>(), () => RecordingLoader.Load(path))!;

        Assert.That(e.Message, Does.Contain("random-noise.edf"));
    }

    [TestCase("")]
    [TestCase("time,channel 1,channel 2\n0,1.5,2.5\n")]
    [TestCase("1       not really an EDF header")]
    public void Content_that_is_neither_EDF_BDF_nor_OpenBCI_text_is_rejected(string content)
    {
        using var temp = new TempDirectory();
        var path = temp.File("unknown.dat");
        File.WriteAllText(path, content);

        Assert.That(() => RecordingLoader.Load(path), Throws.InstanceOf<RecordingFormatException>().With.Message.Contains("unknown.dat"));
    }

    [Test]
    public void The_format_is_recognised_by_content_not_by_file_extension()
    {
        using var temp = new TempDirectory();
        var edfNamedTxt = temp.File("looks-like-text.txt");
        using (var file = File.Create(edfNamedTxt))
        {
            EdfWriter.Write(file, Small(EdfFormat.Edf)); // by stream: a writer given a path refuses a name that is not .edf
        }
        var textNamedEdf = temp.File("looks-like-edf.edf");
        File.WriteAllText(textNamedEdf, OpenBciTextReaderTests.Header() + OpenBciTextReaderTests.Row(0, 1) + OpenBciTextReaderTests.Row(1, 2));

        var edf = RecordingLoader.Load(edfNamedTxt);
        var text = RecordingLoader.Load(textNamedEdf);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(edf.SampleRate, Is.EqualTo(16.0), "the first voltage signal, EEG Fp1, runs at 16 Hz");
            Assert.That(edf.FindChannel("Fp1"), Is.Zero);
            Assert.That(edf.FindChannel("Temp"), Is.EqualTo(-1), "degC is not a voltage");
            Assert.That(text.SampleRate, Is.EqualTo(250.0));
            Assert.That(text.Microvolts, Has.Length.EqualTo(8));
            Assert.That(text.Microvolts[0], Is.EqualTo(new[] { 1.0, 2.0 }).Within(1e-9));
        }
    }

    [Test]
    public void A_BDF_from_the_stream_writer_loads_its_voltage_signals_scaled_to_microvolts()
    {
        using var temp = new TempDirectory();
        var path = temp.File("session.bdf");
        var (min, max) = DigitalLimits(EdfFormat.Bdf);
        EdfSignalHeader[] signals =
        [
            new() { Label = "EEG Fp1", PhysicalDimension = "uV", PhysicalMinimum = -3276.8, PhysicalMaximum = 3276.7, DigitalMinimum = min, DigitalMaximum = max, SamplesPerRecord = 8 },
            new() { Label = "Temp", PhysicalDimension = "degC", PhysicalMinimum = 30, PhysicalMaximum = 40, DigitalMinimum = 0, DigitalMaximum = 1000, SamplesPerRecord = 2 },
            new() { Label = "EEG C3", PhysicalDimension = "mV", PhysicalMinimum = -0.4, PhysicalMaximum = 0.4, DigitalMinimum = min, DigitalMaximum = max, SamplesPerRecord = 8 },
            new() { Label = "EEG O1", PhysicalDimension = "V", PhysicalMinimum = -0.001, PhysicalMaximum = 0.001, DigitalMinimum = min, DigitalMaximum = max, SamplesPerRecord = 8 },
        ];
        var digital = Digital(signals, 4);
        using (var writer = new EdfStreamWriter(path, EdfFormat.Bdf, PatientId, RecordingId, Start, RecordDuration, signals))
        {
            writer.AddAnnotation(0.75, 0.5, "eyes closed");
            for (var r = 0; r < 4; r++)
            {
                writer.WriteRecord(signals.SelectMany((s, i) => digital[i].Skip(r * s.SamplesPerRecord).Take(s.SamplesPerRecord)).ToArray());
            }
        }

        var bdf = EdfReader.Read(path);
        var loaded = RecordingLoader.Load(path);

        Assert.That(loaded.ChannelLabels.Select(Normalized), Is.EqualTo(new[] { "FP1", "C3", "O1" }), "the temperature is not a voltage");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.SampleRate, Is.EqualTo(16.0));
            Assert.That(loaded.Annotations, Is.EqualTo(new[] { new EdfAnnotation(0.75, 0.5, "eyes closed") }));
            Assert.That(loaded.FindChannel("C3"), Is.EqualTo(1));
            Assert.That(loaded.FindChannel("Temp"), Is.EqualTo(-1));
            foreach (var (channel, signal, scale) in new[] { (0, 0, 1.0), (1, 2, 1e3), (2, 3, 1e6) })
            {
                var expected = bdf.GetPhysical(signal).Select(v => v * scale).ToArray();
                var tolerance = 1e-9 * expected.Max(Math.Abs);
                Assert.That(loaded.Microvolts[channel], Is.EqualTo(expected).Within(tolerance), $"{signals[signal].Label} in {signals[signal].PhysicalDimension}");
            }

            Assert.That(loaded.Microvolts[2].Max(), Is.EqualTo(1000).Within(1e-6), "the O1 digital maximum is 0.001 V = 1000 µV");
        }
    }
}
