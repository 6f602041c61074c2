using System.Globalization;
using System.Text;

namespace EdgeBci.Benchmarks.Web;

/// <summary>One SSE client on /api/stream, reading everything as a browser would, counting bytes and events as they come.</summary>
internal sealed class StreamCounter
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Events { get; private set; }

    public int TraceEvents { get; private set; }

    public int StatusEvents { get; private set; }

    /// <summary>The "dropped" count of the last status event: messages the unit dropped for this client.</summary>
    public long LastDropped { get; private set; }

    public async Task ReadAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var answer = await client.GetAsync("/api/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            answer.EnsureSuccessStatusCode();
            await using var stream = await answer.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[16384];
            var line = new StringBuilder();
            var lastEvent = string.Empty;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                Interlocked.Add(ref _bytes, read);
                foreach (var c in Encoding.UTF8.GetString(buffer, 0, read))
                {
                    if (c != '\n')
                    {
                        line.Append(c);
                        continue;
                    }

                    lastEvent = Count(line.ToString(), lastEvent);
                    line.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The measurement is over.
        }
    }

    private string Count(string line, string lastEvent)
    {
        if (line.StartsWith("event: ", StringComparison.Ordinal))
        {
            var name = line[7..].Trim();
            Events++;
            TraceEvents += name == "traces" ? 1 : 0;
            StatusEvents += name == "status" ? 1 : 0;
            return name;
        }

        const string dropped = "\"dropped\":";
        var at = line.IndexOf(dropped, StringComparison.Ordinal);
        if (lastEvent == "status" && line.StartsWith("data:", StringComparison.Ordinal) && at >= 0)
        {
            var digits = line.AsSpan(at + dropped.Length);
            var end = 0;
            while (end < digits.Length && char.IsAsciiDigit(digits[end]))
            {
                end++;
            }

            LastDropped = long.Parse(digits[..end], CultureInfo.InvariantCulture);
        }

        return lastEvent;
    }
}
