using System.Text.Json;

namespace EdgeBci.Training.Camp;

/// <summary>
/// Writes schedule.json beside a session's recording: the schedule actually run (every cue and rest with its sample
/// index, class and code, the blocks as sample ranges), the seed and the protocol's hash, so the session can be
/// audited and cut again without its annotations.
/// </summary>
public static class ScheduleFile
{
    public static void Write(string path, CueSchedule schedule, IReadOnlyList<RecordedBlock> blocks, string recordingFileName)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(blocks);
        using var stream = WearerFolder.CreatePrivateFile(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("protocol", schedule.Protocol.Name);
        writer.WriteString("protocolSha256", schedule.Protocol.Sha256);
        if (schedule.Seed is { } seed)
        {
            writer.WriteNumber("seed", seed);
        }
        else
        {
            writer.WriteNull("seed");
        }

        writer.WriteString("scheduleFrom", schedule.Seed is null ? "recording annotations" : "protocol");
        writer.WriteNumber("sampleRate", schedule.SampleRate);
        writer.WriteString("recording", recordingFileName);
        writer.WriteStartArray("blocks");
        foreach (var block in blocks)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", block.Index);
            writer.WriteNumber("start", block.Start);
            writer.WriteNumber("end", block.End);
            writer.WriteString("source", block.Source);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WritePeriods(writer, "cues", schedule, blocks, SessionPeriodKind.Cue);
        WritePeriods(writer, "rests", schedule, blocks, SessionPeriodKind.Rest);
        writer.WriteEndObject();
    }

    private static void WritePeriods(Utf8JsonWriter writer, string name, CueSchedule schedule, IReadOnlyList<RecordedBlock> blocks, SessionPeriodKind kind)
    {
        writer.WriteStartArray(name);
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = schedule.Blocks[b];
            for (var p = 0; p < block.Periods.Count; p++)
            {
                var period = block.Periods[p];
                if (period.Kind != kind || schedule.AnnotationOf(block, p) is not { } annotation)
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteNumber("trial", period.Trial);
                writer.WriteNumber("block", block.Index);
                if (period.Class is { } cueClass)
                {
                    writer.WriteString("class", cueClass.Name);
                }

                writer.WriteString("code", annotation.Code);
                writer.WriteNumber("sample", blocks[b].Start + period.Start);
                writer.WriteNumber("samples", annotation.Samples);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }
}
