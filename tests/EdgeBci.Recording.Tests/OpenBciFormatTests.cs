using EdgeBci.Tests.Shared;
using static EdgeBci.Recording.Tests.OpenBciSampleFiles;

namespace EdgeBci.Recording.Tests;

/// <summary>Every OpenBCI text layout, written to a temp folder and read back through the loader.</summary>
public class OpenBciFormatTests
{
    private const int Samples = 300;

    private static readonly RecordingHints CliHints = new() { SampleRateSetting = "--source-rate", ChannelCountSetting = "--source-channel-count" };

    /// <summary>Files that state their rate and channel count: no hints needed.</summary>
    public static IEnumerable<TestCaseData> SelfDescribingFiles()
    {
        foreach (var board in Enum.GetValues<OpenBciBoard>())
        {
            yield return new TestCaseData("v3", board, GuiV3(board, Samples), string.Empty).SetName($"GUI v3 {board}");
            yield return new TestCaseData("v4", board, GuiV4(board, Samples), BoardClass(board)).SetName($"GUI v4 {board}");
            yield return new TestCaseData("v6", board, GuiV6(board, Samples), BoardClass(board)).SetName($"GUI v5/v6 {board}");
        }
    }

    [TestCaseSource(nameof(SelfDescribingFiles))]
    public void A_GUI_file_that_states_rate_and_channels_reads_every_value(string version, OpenBciBoard board, string text, string boardClass)
    {
        using var temp = new TempDirectory();
        var path = temp.File($"OpenBCI-RAW-{version}-{board}.txt");
        File.WriteAllText(path, text);

        var recording = OpenBciTextReader.Read(path);

        AssertContent(recording.SampleRate, recording.ChannelLabels, recording.Microvolts, board);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Board, Is.EqualTo(boardClass));
            Assert.That(recording.SampleIndices[255..258], Is.EqualTo(new long[] { 255, 0, 1 }), "the packet counter wraps as the board's does");
        }
    }

    [TestCase(OpenBciBoard.Cyton)]
    [TestCase(OpenBciBoard.Ganglion)]
    [TestCase(OpenBciBoard.CytonDaisy)]
    public void A_GUI_v1_file_reads_once_given_the_channel_count_its_header_lacks(OpenBciBoard board)
    {
        using var temp = new TempDirectory();
        var path = temp.File("OpenBCI-RAW-v1.txt");
        File.WriteAllText(path, GuiV1(board, Samples));

        var recording = RecordingLoader.Load(path, CliHints with { ChannelCount = Channels(board) });

        AssertContent(recording.SampleRate, recording.ChannelLabels, recording.Microvolts, board);
    }

    [TestCase(OpenBciBoard.Cyton, "brainflow-cyton.csv")]
    [TestCase(OpenBciBoard.Ganglion, "brainflow-ganglion.csv")]
    [TestCase(OpenBciBoard.CytonDaisy, "brainflow-daisy.txt")]
    public void A_BrainFlow_CSV_reads_given_rate_and_channel_count(OpenBciBoard board, string name)
    {
        using var temp = new TempDirectory();
        var path = temp.File(name);
        File.WriteAllText(path, BrainFlow(board, Samples));

        var recording = RecordingLoader.Load(path, CliHints with { SampleRate = Rate(board), ChannelCount = Channels(board) });

        AssertContent(recording.SampleRate, recording.ChannelLabels, recording.Microvolts, board);
        Assert.That(recording.SourcePath, Is.EqualTo(path));
    }

    [Test]
    public void A_BrainFlow_CSV_without_a_channel_count_is_rejected_naming_the_file_and_the_option()
    {
        using var temp = new TempDirectory();
        var path = temp.File("session.csv");
        File.WriteAllText(path, BrainFlow(OpenBciBoard.Cyton, 4));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { SampleRate = 250 }))!;

        Assert.That(e.Message, Does.Contain("session.csv").And.Contain("--source-channel-count").And.Contain("line 1"));
    }

    [Test]
    public void A_BrainFlow_CSV_without_a_sample_rate_is_rejected_naming_the_file_and_the_option()
    {
        using var temp = new TempDirectory();
        var path = temp.File("session.csv");
        File.WriteAllText(path, BrainFlow(OpenBciBoard.Cyton, 4));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { ChannelCount = 8 }))!;

        Assert.That(e.Message, Does.Contain("session.csv").And.Contain("--source-rate"));
    }

    [Test]
    public void A_GUI_v1_file_without_a_channel_count_is_rejected_asking_for_one()
    {
        using var temp = new TempDirectory();
        var path = temp.File("OpenBCI-RAW-v1.txt");
        File.WriteAllText(path, GuiV1(OpenBciBoard.Cyton, 3));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(7), "six header lines, then the first row");
            Assert.That(e.Message, Does.Contain("OpenBCI-RAW-v1.txt").And.Contain("%Number of channels").And.Contain("--source-channel-count"));
        }
    }

    [Test]
    public void A_header_rate_that_disagrees_with_the_option_is_rejected_at_the_header_line()
    {
        using var temp = new TempDirectory();
        var path = temp.File("OpenBCI-RAW-v3.txt");
        File.WriteAllText(path, GuiV3(OpenBciBoard.Cyton, 3));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { SampleRate = 200 }))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(3));
            Assert.That(e.Message, Does.Contain("OpenBCI-RAW-v3.txt").And.Contain("250").And.Contain("--source-rate = 200"));
        }
    }

    [Test]
    public void A_header_channel_count_that_disagrees_with_the_option_is_rejected_at_the_header_line()
    {
        using var temp = new TempDirectory();
        var v3 = temp.File("v3.txt");
        File.WriteAllText(v3, GuiV3(OpenBciBoard.Cyton, 3));
        var v6 = temp.File("v6.txt");
        File.WriteAllText(v6, GuiV6(OpenBciBoard.Ganglion, 3));

        var headerless = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(v3, CliHints with { ChannelCount = 16 }))!;
        var named = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(v6, CliHints with { ChannelCount = 8 }))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(headerless.Line, Is.EqualTo(2), "%Number of channels");
            Assert.That(headerless.Message, Does.Contain("v3.txt").And.Contain("--source-channel-count = 16"));
            Assert.That(named.Line, Is.EqualTo(5), "the column header names 4 EXG channels");
            Assert.That(named.Message, Does.Contain("v6.txt").And.Contain("--source-channel-count = 8"));
        }
    }

    [Test]
    public void Hints_that_agree_with_the_header_are_accepted()
    {
        using var temp = new TempDirectory();
        var path = temp.File("v4.txt");
        File.WriteAllText(path, GuiV4(OpenBciBoard.CytonDaisy, Samples));

        var recording = RecordingLoader.Load(path, CliHints with { SampleRate = 125, ChannelCount = 16 });

        AssertContent(recording.SampleRate, recording.ChannelLabels, recording.Microvolts, OpenBciBoard.CytonDaisy);
    }

    [Test]
    public void A_short_BrainFlow_row_is_reported_with_file_and_line()
    {
        using var temp = new TempDirectory();
        var path = temp.File("short.csv");
        var lines = BrainFlow(OpenBciBoard.Ganglion, 5).Split('\n');
        lines[3] = "3.000000\t1.000000\t2.000000";
        File.WriteAllText(path, string.Join('\n', lines));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { SampleRate = 200, ChannelCount = 4 }))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(4));
            Assert.That(e.Message, Does.Contain("short.csv").And.Contain("line 4").And.Contain("EXG Channel 2"));
        }
    }

    [Test]
    public void A_non_number_in_a_GUI_v1_row_is_reported_with_file_line_and_column()
    {
        using var temp = new TempDirectory();
        var path = temp.File("bad-value.txt");
        var lines = GuiV1(OpenBciBoard.Cyton, 5).Split('\n');
        lines[8] = lines[8].Replace(", ", ", x", StringComparison.Ordinal);
        File.WriteAllText(path, string.Join('\n', lines));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { ChannelCount = 8 }))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(9));
            Assert.That(e.Message, Does.Contain("bad-value.txt").And.Contain("column 2 (EXG Channel 0)").And.Contain("not a number"));
        }
    }

    [Test]
    public void A_non_number_in_a_BrainFlow_row_is_reported_with_file_and_line()
    {
        using var temp = new TempDirectory();
        var path = temp.File("bad.csv");
        var lines = BrainFlow(OpenBciBoard.Cyton, 5).Split('\n');
        var cells = lines[2].Split('\t');
        cells[8] = "nan?";
        lines[2] = string.Join('\t', cells);
        File.WriteAllText(path, string.Join('\n', lines));

        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { SampleRate = 250, ChannelCount = 8 }))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(3));
            Assert.That(e.Message, Does.Contain("bad.csv").And.Contain("EXG Channel 7").And.Contain("'nan?'"));
        }
    }

    [Test]
    public void Hints_out_of_range_are_rejected_naming_the_setting()
    {
        using var temp = new TempDirectory();
        var path = temp.File("session.csv");
        File.WriteAllText(path, BrainFlow(OpenBciBoard.Cyton, 4));

        Assert.That(() => RecordingLoader.Load(path, CliHints with { SampleRate = -250, ChannelCount = 0 }),
            Throws.ArgumentException.With.Message.Contain("--source-rate = -250").And.Message.Contain("--source-channel-count = 0"));
    }

    [Test]
    public void An_EDF_whose_rate_disagrees_with_the_hint_is_rejected_naming_the_setting()
    {
        var path = EdfReaderTests.RunPath(4);

        Assert.That(() => RecordingLoader.Load(path, CliHints with { SampleRate = 250 }),
            Throws.InstanceOf<RecordingFormatException>().With.Message.Contain("S001R04.edf").And.Message.Contain("160 Hz").And.Message.Contain("--source-rate"));
    }

    [Test]
    public void A_named_column_CSV_without_a_rate_takes_it_from_the_hint()
    {
        using var temp = new TempDirectory();
        var path = temp.File("named.csv");
        File.WriteAllText(path, "C3,C4\n1.5,2.5\n3.5,4.5\n");

        var recording = RecordingLoader.Load(path, CliHints with { SampleRate = 500 });
        var missing = Assert.Throws<RecordingFormatException>(() => RecordingLoader.Load(path, CliHints))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.SampleRate, Is.EqualTo(500.0));
            Assert.That(recording.ChannelLabels, Is.EqualTo(new[] { "C3", "C4" }));
            Assert.That(missing.Message, Does.Contain("named.csv").And.Contain("--source-rate"));
        }
    }

    [Test]
    public void The_shared_GUI_v6_recording_reads_with_agreeing_hints_and_refuses_a_wrong_rate()
    {
        var path = SharedData.Path(OpenBciTextReaderTests.SharedFile);

        var recording = RecordingLoader.Load(path, CliHints with { SampleRate = 250, ChannelCount = 8 });
        var e = Assert.Throws<OpenBciFormatException>(() => RecordingLoader.Load(path, CliHints with { SampleRate = 125 }))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Microvolts[0], Has.Length.EqualTo(22_490));
            Assert.That(recording.Microvolts[7][^1], Is.EqualTo(-6470.99).Within(0.005));
            Assert.That(e.Line, Is.EqualTo(3));
        }
    }

    private static void AssertContent(double rate, IReadOnlyList<string> labels, double[][] microvolts, OpenBciBoard board)
    {
        var channels = Channels(board);
        Assert.That(microvolts, Has.Length.EqualTo(channels));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rate, Is.EqualTo((double)Rate(board)));
            Assert.That(labels, Is.EqualTo(Enumerable.Range(0, channels).Select(OpenBciTextReader.ExgLabel)));
            Assert.That(labels[0], Is.EqualTo("EXG Channel 0"));
            for (var c = 0; c < channels; c++)
            {
                Assert.That(microvolts[c], Is.EqualTo(Enumerable.Range(0, Samples).Select(i => Microvolts(c, i))).Within(1e-6), $"EXG Channel {c}");
            }
        }
    }
}
