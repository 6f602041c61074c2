namespace EdgeBci.Recording;

/// <summary>An OpenBCI GUI raw text recording: the EXG channels in microvolts, as the GUI wrote them.</summary>
public sealed class OpenBciRecording
{
    public required string SourcePath { get; init; }

    public required double SampleRate { get; init; }

    /// <summary>The board line of the header, e.g. "OpenBCI_GUI$BoardCytonSerial".</summary>
    public required string Board { get; init; }

    /// <summary>"EXG Channel 0" .. "EXG Channel N-1", as in the file's column header.</summary>
    public required IReadOnlyList<string> ChannelLabels { get; init; }

    /// <summary>Per channel, every sample in microvolts.</summary>
    public required double[][] Microvolts { get; init; }

    /// <summary>The board's packet counter of each row (it wraps, e.g. at 255 on a Cyton).</summary>
    public required long[] SampleIndices { get; init; }
}
