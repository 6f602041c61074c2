using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeBci.Web.Streaming;

/// <summary>Server-sent-event frames ("event: name\ndata: json\n\n"), encoded once and shared by every browser's queue.</summary>
internal static class SseFrames
{
    public static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    /// <summary>Tells EventSource how soon to reconnect after the unit restarts or a stalled connection was closed.</summary>
    public static readonly byte[] Retry = "retry: 2000\n\n"u8.ToArray();

    public static byte[] Build(string eventName, ReadOnlySpan<byte> json)
    {
        var head = Encoding.ASCII.GetByteCount(eventName);
        var frame = new byte[7 + head + 7 + json.Length + 2];
        var span = frame.AsSpan();
        "event: "u8.CopyTo(span);
        Encoding.ASCII.GetBytes(eventName, span[7..]);
        var at = 7 + head;
        "\ndata: "u8.CopyTo(span[at..]);
        at += 7;
        json.CopyTo(span[at..]);
        "\n\n"u8.CopyTo(span[(at + json.Length)..]);
        return frame;
    }

    public static byte[] Build<T>(string eventName, T value, JsonTypeInfo<T> type, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(scratch))
        {
            JsonSerializer.Serialize(writer, value, type);
        }

        return Build(eventName, scratch.WrittenSpan);
    }
}
