namespace EdgeBci.Recording;

/// <summary>A recording reduced to what replay and training need: EEG channels in microvolts at one rate, and events.</summary>
public sealed class MicrovoltRecording
{
    public required string SourcePath { get; init; }

    public required double SampleRate { get; init; }

    public required IReadOnlyList<string> ChannelLabels { get; init; }

    /// <summary>Per channel, every sample in microvolts.</summary>
    public required double[][] Microvolts { get; init; }

    public IReadOnlyList<EdfAnnotation> Annotations { get; init; } = [];

    public int SampleCount => Microvolts.Length == 0 ? 0 : Microvolts[0].Length;

    /// <summary>Index of a channel by electrode name ("C3" finds "C3.." and "EEG C3"); -1 if absent.</summary>
    public int FindChannel(string label) => ChannelLabel.Find(ChannelLabels, label);
}
