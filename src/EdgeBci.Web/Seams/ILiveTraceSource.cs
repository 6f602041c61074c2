namespace EdgeBci.Web.Seams;

/// <summary>
/// Live traces for the page: the firmware pushes decimated display batches from a thread of its own, the web tap fans
/// them out to each browser's bounded queue. A handler never blocks the pusher.
/// </summary>
public interface ILiveTraceSource
{
    /// <summary>One display batch; the arrays are the caller's and reused, so copy or serialize before returning.</summary>
    event Action<TraceBatch>? Batch;
}

/// <summary>Channel-major values [channel][point], µV of the filtered signal, <paramref name="DisplayRate"/> points per second per channel.</summary>
/// <param name="FirstPoint">Index of the batch's first point in the display stream (gaps show as jumps).</param>
public sealed record TraceBatch(long FirstPoint, int DisplayRate, float[][] Values);
