using EdgeBci.Web.Hosting;

namespace EdgeBci.Web.Pairing;

/// <summary>The page server's view of pairing, answered by the unit's <see cref="PairingService"/>.</summary>
public sealed class PairedSessionValidator(PairingService pairing) : ISessionValidator
{
    public PairingAnswer Redeem(string code, string remote) => pairing.Redeem(code, remote) switch
    {
        PairingResult.Ok ok => PairingAnswer.Paired(ok.Token, ok.Expires),
        PairingResult.RateLimited limited => PairingAnswer.Limited(limited.RetryAfter),
        _ => PairingAnswer.Wrong,
    };

    public bool Validate(string token) => pairing.Validate(token) is not null;

    public void Revoke(string token) => pairing.Revoke(token);
}
