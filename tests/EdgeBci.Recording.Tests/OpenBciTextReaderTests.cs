using System.Globalization;
using System.Text;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Recording.Tests;

public class OpenBciTextReaderTests
{
    internal const string SharedFile = "openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt";

    private const string ColumnLine =
        "Sample Index, EXG Channel 0, EXG Channel 1, EXG Channel 2, EXG Channel 3, EXG Channel 4, EXG Channel 5, EXG Channel 6, EXG Channel 7, "
        + "Accel Channel 0, Accel Channel 1, Accel Channel 2, Not Used, Digital Channel 0 (D11), Digital Channel 1 (D12), Digital Channel 2 (D13), "
        + "Digital Channel 3 (D17), Not Used, Digital Channel 4 (D18), Analog Channel 0, Analog Channel 1, Analog Channel 2, Timestamp, Marker Channel, Timestamp (Formatted)";

    private static readonly string[] ExgLabels = Enumerable.Range(0, 8).Select(c => $"EXG Channel {c}").ToArray();

    /// <summary>Header lines (lines 1-5) in the GUI v6 layout, with the given sample-rate line.</summary>
    internal static string Header(string? sampleRateLine = "%Sample Rate = 250 Hz")
    {
        var text = new StringBuilder();
        text.Append("%OpenBCI Raw EXG Data\n%Number of channels = 8\n");
        if (sampleRateLine is not null)
        {
            text.Append(sampleRateLine).Append('\n');
        }

        text.Append("%Board = OpenBCI_GUI$BoardCytonSerial\n").Append(ColumnLine).Append('\n');
        return text.ToString();
    }

    internal static string Row(int index, double first) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{index}, {first:F2}, {first + 1:F2}, {first + 2:F2}, {first + 3:F2}, -{first + 4:F2}, {first + 5:F2}, {first + 6:F2}, {first + 7:F2}, 0.040, 0.420, 0.238,0,0,0,0,0,0,0,0,0,0, 1557936053329,0, 12:00:53.329\n");

    private static OpenBciRecording ReadText(string text, string origin)
    {
        using var reader = new StringReader(text);
        return OpenBciTextReader.Read(reader, origin);
    }

    [Test]
    public void The_shared_Cyton_recording_reads_as_8_channels_at_250_Hz()
    {
        var recording = OpenBciTextReader.Read(SharedData.Path(SharedFile));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.SampleRate, Is.EqualTo(250.0));
            Assert.That(recording.Board, Does.Contain("Cyton"));
            Assert.That(recording.ChannelLabels, Is.EqualTo(ExgLabels));
            Assert.That(recording.Microvolts, Has.Length.EqualTo(8));
            Assert.That(recording.Microvolts.Select(c => c.Length), Is.All.EqualTo(22_490), "every sample row of the file");
            Assert.That(recording.SampleIndices, Has.Length.EqualTo(22_490));
            Assert.That(recording.SampleIndices[..3], Is.EqualTo(new long[] { 0, 1, 2 }));
        }
    }

    [Test]
    public void The_shared_recordings_values_are_the_files_microvolts_column_by_column()
    {
        var recording = OpenBciTextReader.Read(SharedData.Path(SharedFile));
        var uv = recording.Microvolts;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(uv[0][0], Is.EqualTo(61379.36).Within(0.005));
            Assert.That(uv[1][0], Is.EqualTo(49492.89).Within(0.005));
            Assert.That(uv[2][0], Is.EqualTo(-16597.06).Within(0.005));
            Assert.That(uv[7][0], Is.EqualTo(1740.11).Within(0.005));
            Assert.That(uv[0][1], Is.EqualTo(60973.46).Within(0.005));
            Assert.That(uv[0][^1], Is.EqualTo(58705.56).Within(0.005));
            Assert.That(uv[7][^1], Is.EqualTo(-6470.99).Within(0.005));
            Assert.That(uv[4].Min(), Is.EqualTo(-9840.47).Within(0.005));
            Assert.That(uv[6].Max(), Is.EqualTo(7940.5).Within(0.005));
        }
    }

    [Test]
    public void A_small_file_with_unix_line_endings_reads_every_value()
    {
        var text = Header() + Row(0, 10.25) + Row(1, -3.5) + Row(2, 0);

        var recording = ReadText(text, "small.txt");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.SampleIndices, Is.EqualTo(new long[] { 0, 1, 2 }));
            Assert.That(recording.Microvolts[0], Is.EqualTo(new[] { 10.25, -3.5, 0 }).Within(1e-9));
            Assert.That(recording.Microvolts[4], Is.EqualTo(new[] { -14.25, -0.5, -4 }).Within(1e-9));
            Assert.That(recording.Microvolts[7], Is.EqualTo(new[] { 17.25, 3.5, 7 }).Within(1e-9));
        }
    }

    [Test]
    public void The_sample_rate_comes_from_the_header_line()
    {
        var recording = ReadText(Header("%Sample Rate = 200 Hz") + Row(0, 1) + Row(1, 2), "ganglion-rate.txt");

        Assert.That(recording.SampleRate, Is.EqualTo(200.0));
    }

    [Test]
    public void A_value_that_is_not_a_number_is_reported_with_its_line_number()
    {
        var bad = Row(2, 5).Replace("7.00", "7.0x", StringComparison.Ordinal);
        var text = Header() + Row(0, 1) + Row(1, 3) + bad + Row(3, 7);

        var e = Assert.Throws<OpenBciFormatException>(() => ReadText(text, "not-a-number.txt"))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(8), "5 header lines, then rows on lines 6, 7, 8");
            Assert.That(e.Message, Does.Contain("not-a-number.txt").And.Match(@"\b8\b"));
        }
    }

    [Test]
    public void A_row_missing_channels_is_reported_with_its_line_number()
    {
        var text = Header() + Row(0, 1) + "1, 2.00, 3.00, 4.00\n" + Row(2, 3);

        var e = Assert.Throws<OpenBciFormatException>(() => ReadText(text, "short-row.txt"))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Line, Is.EqualTo(7));
            Assert.That(e.Message, Does.Contain("short-row.txt"));
        }
    }

    [Test]
    public void A_file_without_a_sample_rate_line_is_rejected_with_a_message_saying_so()
    {
        var text = Header(sampleRateLine: null) + Row(0, 1) + Row(1, 2);

        var e = Assert.Throws(Is.InstanceOf<RecordingFormatException>(), () => ReadText(text, "no-rate.txt"))!;

        Assert.That(e.Message, Does.Contain("Sample Rate").IgnoreCase.And.Contain("no-rate.txt"));
    }

    [Test]
    public void An_empty_file_is_rejected()
    {
        Assert.That(() => ReadText(string.Empty, "empty.txt"), Throws.InstanceOf<RecordingFormatException>().With.Message.Contains("empty.txt"));
    }
}
