using System.Globalization;

namespace EdgeBci.Recording;

/// <summary>
/// The '%' comment lines at the top of an OpenBCI GUI text file. Every GUI version writes "%Sample Rate = 250.0 Hz"
/// (v1–v3) or "%Sample Rate = 250 Hz" (v4+); v3 onwards adds "%Number of channels = 8", v4 onwards
/// "%Board = OpenBCI_GUI$BoardCytonSerial". Free-text lines ("%OpenBCI Raw EEG Data", "%First Column = SampleIndex",
/// "%Other Columns = ...") describe a layout every version shares and carry nothing to check.
/// </summary>
internal sealed class OpenBciHeader
{
    /// <summary>The rate the header declares, or null when it has no "%Sample Rate" line.</summary>
    public double? SampleRate { get; private set; }

    /// <summary>The line of "%Sample Rate", for errors about it.</summary>
    public int SampleRateLine { get; private set; }

    /// <summary>The EXG channel count the header declares, or null when it has no "%Number of channels" line.</summary>
    public int? ChannelCount { get; private set; }

    /// <summary>The line of "%Number of channels", for errors about it.</summary>
    public int ChannelCountLine { get; private set; }

    public string Board { get; private set; } = string.Empty;

    /// <summary>True once any '%' line was read: the file is OpenBCI GUI text rather than bare rows.</summary>
    public bool Present { get; private set; }

    public void Read(string line, string origin, int lineNumber)
    {
        Present = true;
        var text = line.AsSpan(1).Trim();
        var equals = text.IndexOf('=');
        if (equals < 0)
        {
            return;
        }

        var key = text[..equals].Trim();
        var value = text[(equals + 1)..].Trim();
        if (key.Equals("Sample Rate", StringComparison.OrdinalIgnoreCase))
        {
            var number = value.EndsWith("Hz", StringComparison.OrdinalIgnoreCase) ? value[..^2].Trim() : value;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate > 0) || !double.IsFinite(rate))
            {
                throw new OpenBciFormatException(origin, lineNumber, $"sample rate '{value}' is not a positive number of Hz");
            }

            SampleRate = rate;
            SampleRateLine = lineNumber;
        }
        else if (key.Equals("Number of channels", StringComparison.OrdinalIgnoreCase))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > RecordingHints.MaximumChannelCount)
            {
                throw new OpenBciFormatException(origin, lineNumber, $"number of channels '{value}' is not 1..{RecordingHints.MaximumChannelCount}");
            }

            ChannelCount = count;
            ChannelCountLine = lineNumber;
        }
        else if (key.Equals("Board", StringComparison.OrdinalIgnoreCase))
        {
            Board = value.ToString();
        }
    }
}
