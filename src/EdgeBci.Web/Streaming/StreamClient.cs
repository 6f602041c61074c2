using System.Threading.Channels;

namespace EdgeBci.Web.Streaming;

/// <summary>
/// One browser on the live stream: a bounded queue of encoded frames that drops its oldest when full, so whoever
/// offers a frame never waits for this browser; the drops are counted and reported to it in the status event.
/// </summary>
internal sealed class StreamClient
{
    private readonly Channel<byte[]> queue;
    private long dropped;

    public StreamClient(int capacity)
    {
        Capacity = capacity;
        queue = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            _ => Interlocked.Increment(ref dropped));
    }

    public int Capacity { get; }

    public long Dropped => Interlocked.Read(ref dropped);

    public int Queued => queue.Reader.Count;

    public ChannelReader<byte[]> Reader => queue.Reader;

    /// <summary>Never blocks: a full queue drops its oldest frame instead.</summary>
    public void Offer(byte[] frame) => queue.Writer.TryWrite(frame);

    /// <summary>Ends the browser's writer loop once it has written what is queued.</summary>
    public void Close() => queue.Writer.TryComplete();
}
