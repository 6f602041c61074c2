using System.Text.Json;

namespace EdgeBci.Training.Reporting;

/// <summary>The report's "liveReplays" array (optional: reports written before it read as having none).</summary>
public static partial class EvaluationReportJson
{
    private static void WriteReplay(Utf8JsonWriter writer, LiveReplaySummary replay)
    {
        writer.WriteStartObject();
        writer.WriteString(ReplayNames.Recording, replay.Recording);
        writer.WriteString(Names.Model, replay.Model);
        writer.WriteString(ReplayNames.Precision, replay.Precision);
        writer.WriteNumber(ReplayNames.Cues, replay.Cues);
        writer.WriteNumber(ReplayNames.CuedWay, replay.CuedWay);
        writer.WriteNumber(ReplayNames.WrongWay, replay.WrongWay);
        writer.WriteNumber(ReplayNames.NoMove, replay.NoMove);
        writer.WriteNumber(ReplayNames.RestMoves, replay.RestMoves);
        WriteDouble(writer, ReplayNames.RestSeconds, replay.RestSeconds);
        WriteNullableDouble(writer, ReplayNames.MedianSecondsToMove, replay.MedianSecondsToMove);
        WriteNullableDouble(writer, ReplayNames.P90SecondsToMove, replay.P90SecondsToMove);
        writer.WriteNumber(Names.Classes, replay.Classes);
        WriteDouble(writer, ReplayNames.SelectionsPerMinute, replay.SelectionsPerMinute);
        WriteDouble(writer, ReplayNames.ItrBitsPerMinute, replay.ItrBitsPerMinute);
        writer.WriteNumber(ReplayNames.OfflineCorrect, replay.OfflineCorrect);
        writer.WriteNumber(ReplayNames.OfflineTrials, replay.OfflineTrials);
        writer.WriteEndObject();
    }

    private static LiveReplaySummary ReadReplay(Node replay)
    {
        var cues = replay.Property(ReplayNames.Cues);
        var cuedWay = replay.Property(ReplayNames.CuedWay).Int();
        var wrongWay = replay.Property(ReplayNames.WrongWay).Int();
        var noMove = replay.Property(ReplayNames.NoMove).Int();
        if (cuedWay < 0 || wrongWay < 0 || noMove < 0 || cuedWay + wrongWay + noMove != cues.Int())
        {
            cues.Fail($"{cuedWay} cued way + {wrongWay} wrong way + {noMove} no move is not {cues.Int()} cues");
        }

        var offlineTrials = replay.Property(ReplayNames.OfflineTrials);
        var offlineCorrect = replay.Property(ReplayNames.OfflineCorrect).Int();
        if (offlineCorrect < 0 || offlineCorrect > offlineTrials.Int())
        {
            offlineTrials.Fail($"{offlineCorrect} right of {offlineTrials.Int()} trials is impossible");
        }

        return new LiveReplaySummary
        {
            Recording = replay.Property(ReplayNames.Recording).String(),
            Model = replay.Property(Names.Model).String(),
            Precision = replay.Property(ReplayNames.Precision).String(),
            Cues = cues.Int(),
            CuedWay = cuedWay,
            WrongWay = wrongWay,
            NoMove = noMove,
            RestMoves = replay.Property(ReplayNames.RestMoves).Int(),
            RestSeconds = replay.Property(ReplayNames.RestSeconds).Double(),
            MedianSecondsToMove = replay.Property(ReplayNames.MedianSecondsToMove).NullableDouble(),
            P90SecondsToMove = replay.Property(ReplayNames.P90SecondsToMove).NullableDouble(),
            Classes = replay.Property(Names.Classes).Int(),
            SelectionsPerMinute = replay.Property(ReplayNames.SelectionsPerMinute).Double(),
            ItrBitsPerMinute = replay.Property(ReplayNames.ItrBitsPerMinute).Double(),
            OfflineCorrect = offlineCorrect,
            OfflineTrials = offlineTrials.Int(),
        };
    }

    private static class ReplayNames
    {
        public const string LiveReplays = "liveReplays";
        public const string Recording = "recording";
        public const string Precision = "precision";
        public const string Cues = "cues";
        public const string CuedWay = "cuedWay";
        public const string WrongWay = "wrongWay";
        public const string NoMove = "noMove";
        public const string RestMoves = "restMoves";
        public const string RestSeconds = "restSeconds";
        public const string MedianSecondsToMove = "medianSecondsToMove";
        public const string P90SecondsToMove = "p90SecondsToMove";
        public const string SelectionsPerMinute = "selectionsPerMinute";
        public const string ItrBitsPerMinute = "itrBitsPerMinute";
        public const string OfflineCorrect = "offlineCorrect";
        public const string OfflineTrials = "offlineTrials";
    }
}
