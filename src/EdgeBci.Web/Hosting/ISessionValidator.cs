namespace EdgeBci.Web.Hosting;

/// <summary>
/// What the page's server needs of pairing: exchange a one-time code for a session, check a session, revoke it.
/// The unit implements it over <c>EdgeBci.Web.Pairing.PairingService</c> (codes and sessions stored hashed, wrong codes
/// rate-limited there); the server never sees more than the token the browser holds in its cookie.
/// </summary>
public interface ISessionValidator
{
    /// <param name="remote">The browser's address, for the per-address wrong-code limit.</param>
    PairingAnswer Redeem(string code, string remote);

    /// <summary>True while the session is valid (not unknown, expired or revoked).</summary>
    bool Validate(string token);

    void Revoke(string token);
}

public enum PairingOutcome
{
    Paired,
    WrongCode,
    RateLimited,
}

/// <param name="Token">The session token (Paired only).</param>
/// <param name="Expires">When the session ends (Paired only).</param>
/// <param name="RetryAfter">How long until another code may be tried (RateLimited only).</param>
public sealed record PairingAnswer(PairingOutcome Outcome, string? Token = null, DateTimeOffset? Expires = null, TimeSpan? RetryAfter = null)
{
    public static PairingAnswer Paired(string token, DateTimeOffset expires) => new(PairingOutcome.Paired, token, expires);

    public static PairingAnswer Wrong { get; } = new(PairingOutcome.WrongCode);

    public static PairingAnswer Limited(TimeSpan retryAfter) => new(PairingOutcome.RateLimited, RetryAfter: retryAfter);
}
