using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// The page's STOP: a remote stop request to the supervisor (the page is a network origin: it may stop, never arm or
/// move), answered with what the supervisor did. Many stops at once are one stop (<see cref="OperatorRequests"/>).
/// </summary>
internal sealed class StopRequester : IStopRequester
{
    /// <summary>Longest caller name kept in the channel the supervisor logs; the rest is cut.</summary>
    public const int MaximumCallerLength = 48;

    private readonly Func<RequestKind, string, Task<RemoteAnswer>> _request;

    public StopRequester(OperatorRequests requests)
        : this(requests.RemoteRequestAsync)
    {
    }

    internal StopRequester(Func<RequestKind, string, Task<RemoteAnswer>> request)
    {
        _request = request;
    }

    public async Task<StopAnswer> RequestStopAsync(string caller, CancellationToken cancellationToken)
    {
        var answer = await _request(RequestKind.Stop, Channel(caller)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var stopped = answer.Reply.Kind == LocalReplyKind.Ok && answer.State is not (SupervisorState.Armed or SupervisorState.Active);
        return new StopAnswer(stopped, answer.Reply.Text);
    }

    /// <summary>"web:&lt;caller&gt;" for the safety log, with anything but letters, digits and ".:-_" replaced: a caller's name never forges a log line.</summary>
    internal static string Channel(string? caller)
    {
        if (string.IsNullOrEmpty(caller))
        {
            return "web:unknown";
        }

        var length = Math.Min(caller.Length, MaximumCallerLength);
        return string.Create(4 + length, caller, (span, source) =>
        {
            "web:".CopyTo(span);
            for (var i = 0; i < length; i++)
            {
                var c = source[i];
                span[4 + i] = char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '-' or '_' ? c : '_';
            }
        });
    }
}
