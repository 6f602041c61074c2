using EdgeBci.Recording;

namespace EdgeBci.Training.Camp;

/// <summary>
/// A session's last block as a recording of its own (heldout-block.bdf beside the session), so the live replay judges
/// it as the wearer would meet the model: the unit started and armed at the block's start, nothing carried over from
/// the blocks the model was tuned on. Cut losslessly on whole data records, from the first record boundary at or after
/// the block's start (a block opens with a rest period, so no cue is lost).
/// </summary>
public static class HeldOutBlock
{
    public const string FileName = "heldout-block.bdf";

    /// <summary>Where the held-out part starts in the session recording, in seconds: the record boundary at or after the last block's start.</summary>
    public static double StartSeconds(SessionResult session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var recordDuration = EdfReader.Read(session.RecordingPath).Header.RecordDuration;
        return Math.Ceiling(session.Blocks[^1].Start / (double)session.SampleRate / recordDuration) * recordDuration;
    }

    /// <summary>Writes the last block beside the session's recording and returns its path.</summary>
    public static string Write(SessionResult session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var source = EdfReader.Read(session.RecordingPath);
        var start = StartSeconds(session);
        var channels = new List<string>();
        foreach (var signal in source.Header.Signals)
        {
            if (!signal.IsAnnotation)
            {
                channels.Add(signal.Label);
            }
        }

        var block = RecordingConverter.Select(source, channels, source.Header.Format, start, labels: channels);
        var path = Path.Combine(Path.GetDirectoryName(session.RecordingPath)!, FileName);
        EdfWriter.Write(path, block);
        return path;
    }
}
