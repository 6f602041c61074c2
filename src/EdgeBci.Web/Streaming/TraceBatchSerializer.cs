using System.Buffers;
using System.Text.Json;
using EdgeBci.Web.Seams;

namespace EdgeBci.Web.Streaming;

/// <summary>
/// Encodes a trace batch as one SSE <c>traces</c> frame: {"firstPoint","displayRate","values":[[...],...]}, values rounded
/// to 0.1 µV (finer is invisible on the page and would triple the stream). The writer and its buffer are reused: the
/// only allocation per batch is the frame shared by every browser.
/// </summary>
internal sealed class TraceBatchSerializer
{
    private readonly ArrayBufferWriter<byte> buffer = new(16 * 1024);
    private readonly Utf8JsonWriter writer;
    private readonly Lock gate = new();

    public TraceBatchSerializer()
    {
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public byte[] Serialize(TraceBatch batch)
    {
        lock (gate)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteNumber("firstPoint"u8, batch.FirstPoint);
            writer.WriteNumber("displayRate"u8, batch.DisplayRate);
            writer.WriteStartArray("values"u8);
            foreach (var channel in batch.Values)
            {
                writer.WriteStartArray();
                foreach (var value in channel)
                {
                    // NaN/infinity is not JSON: a gap in the trace is written as null.
                    if (float.IsFinite(value))
                    {
                        // + 0.0 turns a rounded -0 into 0: two bytes fewer, and no "-0" on the page.
                        writer.WriteNumberValue((Math.Round(value * 10.0) / 10.0) + 0.0);
                    }
                    else
                    {
                        writer.WriteNullValue();
                    }
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            return SseFrames.Build("traces", buffer.WrittenSpan);
        }
    }
}
