using System.Text;

namespace EdgeBci.Web.Tests.Streaming;

/// <summary>Reads server-sent events (and comment lines) from a stream, as a browser's EventSource would.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader reader = new(stream, Encoding.UTF8);

    /// <summary>The next event as (name, data); comments come back as ("comment", text).</summary>
    public async Task<(string Event, string Data)> Next(CancellationToken cancellationToken)
    {
        string? name = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0)
                {
                    return (name ?? "message", data.ToString());
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                return ("comment", line[1..].Trim());
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }
    }

    /// <summary>Reads until an event named <paramref name="name"/> whose data satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitFor(string name, Func<string, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (eventName, data) = await Next(cancellationToken);
            if (eventName == name && match(data))
            {
                return data;
            }
        }
    }

    public void Dispose() => reader.Dispose();
}
