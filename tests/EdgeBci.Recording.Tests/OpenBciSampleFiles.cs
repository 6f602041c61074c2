using System.Globalization;
using System.Text;

namespace EdgeBci.Recording.Tests;

/// <summary>The three OpenBCI boards: Cyton 8 ch at 250 Hz, Ganglion 4 ch at 200 Hz, Cyton+Daisy 16 ch at 125 Hz.</summary>
public enum OpenBciBoard
{
    Cyton,
    Ganglion,
    CytonDaisy,
}

/// <summary>
/// Small recordings in each OpenBCI text layout, written the way the OpenBCI GUI (v1–v6) and BrainFlow write them:
/// the header lines and column order of OpenBCI_GUI's OutputFile_rawtxt/DataWriterODF and BrainFlow's board
/// descriptions (Cyton board id 0: 24 rows, Ganglion 1: 15 rows, Cyton+Daisy 2: 32 rows, EEG in rows 1..N).
/// </summary>
internal static class OpenBciSampleFiles
{
    public static int Channels(OpenBciBoard board) => board switch
    {
        OpenBciBoard.Cyton => 8,
        OpenBciBoard.Ganglion => 4,
        _ => 16,
    };

    public static int Rate(OpenBciBoard board) => board switch
    {
        OpenBciBoard.Cyton => 250,
        OpenBciBoard.Ganglion => 200,
        _ => 125,
    };

    /// <summary>The microvolts of channel <paramref name="channel"/> at sample <paramref name="sample"/>: distinct per cell, exact in two decimals.</summary>
    public static double Microvolts(int channel, int sample) => ((channel + 1) * 1000.25) - (sample * 3.5) + (channel % 2 == 0 ? 0.5 : -12_345.75);

    /// <summary>GUI v1/v2: no channel count, "250.0 Hz", rows of index, EEG, 3 accel, formatted time.</summary>
    public static string GuiV1(OpenBciBoard board, int samples)
    {
        var text = new StringBuilder();
        text.Append("%OpenBCI Raw EEG Data\n%\n")
            .Append(Invariant($"%Sample Rate = {Rate(board)}.0 Hz\n"))
            .Append("%First Column = SampleIndex\n%Last Column = Timestamp\n")
            .Append("%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved with Aux Data\n");
        for (var i = 0; i < samples; i++)
        {
            GuiRowStart(text, board, i);
            text.Append(Invariant($", 0.000, 0.000, 0.000, 15:31:{23 + (i / 250):00}.{i % 250 * 4:000}\n"));
        }

        return text.ToString();
    }

    /// <summary>GUI v3: adds "%Number of channels"; rows end in formatted time and Unix milliseconds.</summary>
    public static string GuiV3(OpenBciBoard board, int samples)
    {
        var text = new StringBuilder();
        text.Append("%OpenBCI Raw EEG Data\n")
            .Append(Invariant($"%Number of channels = {Channels(board)}\n%Sample Rate = {Rate(board)}.0 Hz\n"))
            .Append("%First Column = SampleIndex\n%Last Column = Timestamp \n")
            .Append("%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved with Aux Data\n");
        for (var i = 0; i < samples; i++)
        {
            GuiRowStart(text, board, i);
            text.Append(Invariant($", -0.026, 0.468, -0.062, 12:00:53.{i % 1000:000}, {1_557_936_053_329L + (i * 4)}\n"));
        }

        return text.ToString();
    }

    /// <summary>GUI v4 (BrainFlow inside): "Raw EEG Data", integer rate, board class, a column header with "Other" columns.</summary>
    public static string GuiV4(OpenBciBoard board, int samples) => GuiWithColumnHeader("%OpenBCI Raw EEG Data", board, samples, marker: "Other");

    /// <summary>GUI v5/v6: "Raw EXG Data" and a "Marker Channel" column.</summary>
    public static string GuiV6(OpenBciBoard board, int samples) => GuiWithColumnHeader("%OpenBCI Raw EXG Data", board, samples, marker: "Marker Channel");

    public static string BoardClass(OpenBciBoard board) => board switch
    {
        OpenBciBoard.Cyton => "OpenBCI_GUI$BoardCytonSerial",
        OpenBciBoard.Ganglion => "OpenBCI_GUI$BoardGanglionBLE",
        _ => "OpenBCI_GUI$BoardCytonSerialDaisy",
    };

    /// <summary>BrainFlow <c>DataFilter.write_file</c>: one line per sample, every board row as "%lf", tab-separated.</summary>
    public static string BrainFlow(OpenBciBoard board, int samples)
    {
        var rows = board switch
        {
            OpenBciBoard.Cyton => 24,
            OpenBciBoard.Ganglion => 15,
            _ => 32,
        };
        var channels = Channels(board);
        var text = new StringBuilder();
        for (var i = 0; i < samples; i++)
        {
            for (var row = 0; row < rows; row++)
            {
                var value = row == 0 ? i % 256
                    : row <= channels ? Microvolts(row - 1, i)
                    : row == rows - 2 ? 1_700_000_000.123456 + (i * 0.004)
                    : 0.0;
                text.Append(Invariant($"{value:F6}")).Append(row == rows - 1 ? '\n' : '\t');
            }
        }

        return text.ToString();
    }

    private static string GuiWithColumnHeader(string title, OpenBciBoard board, int samples, string marker)
    {
        var channels = Channels(board);
        var text = new StringBuilder();
        text.Append(title).Append('\n')
            .Append(Invariant($"%Number of channels = {channels}\n%Sample Rate = {Rate(board)} Hz\n%Board = {BoardClass(board)}\n"))
            .Append("Sample Index");
        for (var c = 0; c < channels; c++)
        {
            text.Append(Invariant($", EXG Channel {c}"));
        }

        var others = board == OpenBciBoard.Ganglion ? 5 : 7;
        text.Append(", Accel Channel 0, Accel Channel 1, Accel Channel 2");
        for (var o = 0; o < others; o++)
        {
            text.Append(", Other");
        }

        if (board != OpenBciBoard.Ganglion)
        {
            text.Append(", Analog Channel 0, Analog Channel 1, Analog Channel 2");
        }

        text.Append(", Timestamp, ").Append(marker).Append(", Timestamp (Formatted)\n");
        for (var i = 0; i < samples; i++)
        {
            GuiRowStart(text, board, i);
            text.Append(", 0.040, 0.420, 0.238");
            for (var o = 0; o < others + (board == OpenBciBoard.Ganglion ? 0 : 3); o++)
            {
                text.Append(", 0.0");
            }

            text.Append(Invariant($", {1_557_936_053.329 + (i * 0.004):F3}, 0.0, 2019-05-15 12:00:53.{i % 1000:000}\n"));
        }

        return text.ToString();
    }

    private static void GuiRowStart(StringBuilder text, OpenBciBoard board, int sample)
    {
        text.Append(Invariant($"{sample % 256}"));
        for (var c = 0; c < Channels(board); c++)
        {
            text.Append(Invariant($", {Microvolts(c, sample):F2}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
