namespace EdgeBci.Web.Pairing;

/// <summary>What redeeming a pairing code gave: a session, a refusal, or a wait.</summary>
public abstract record PairingResult
{
    private PairingResult()
    {
    }

    /// <summary>Paired: <paramref name="Token"/> is the session's secret (only its hash is stored), valid until <paramref name="Expires"/>.</summary>
    public sealed record Ok(string Token, DateTimeOffset Expires) : PairingResult;

    /// <summary>The code is not the open one (wrong, used, expired, replaced or burnt); <paramref name="Message"/> says what to do, in words.</summary>
    public sealed record WrongCode(string Message) : PairingResult;

    /// <summary>Too many wrong codes lately, from this address or from all; try again after <paramref name="RetryAfter"/>.</summary>
    public sealed record RateLimited(TimeSpan RetryAfter, string Message) : PairingResult;
}

/// <summary>A live paired session (what a valid token opens).</summary>
/// <param name="Id">The session's number in the database (not a secret: the token is).</param>
/// <param name="Remote">The address that paired it.</param>
public sealed record PairedSession(long Id, string Remote, DateTimeOffset Created, DateTimeOffset Expires);

/// <summary>A paired session as <c>edgebci pair --list</c> shows it.</summary>
public sealed record PairedSessionInfo(long Id, string Remote, DateTimeOffset Created, DateTimeOffset Expires, DateTimeOffset LastSeen);

/// <summary>A freshly issued code and when it stops working.</summary>
public sealed record IssuedCode(string Code, DateTimeOffset Expires);
