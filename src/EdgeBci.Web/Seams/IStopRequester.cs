namespace EdgeBci.Web.Seams;

/// <summary>The only control the page has over the chair: a STOP request, answered by the safety supervisor. The page can never arm or move it.</summary>
public interface IStopRequester
{
    Task<StopAnswer> RequestStopAsync(string caller, CancellationToken cancellationToken);
}

/// <param name="Stopped">The output is neutral now.</param>
/// <param name="Reply">The supervisor's answer in words.</param>
public sealed record StopAnswer(bool Stopped, string Reply);
