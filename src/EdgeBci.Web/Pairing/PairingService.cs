using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Pairing;

/// <summary>
/// Pairing a browser with the unit: <c>edgebci pair</c> issues a one-time code on the unit, the page exchanges it for a
/// session token (a cookie). Codes and tokens are stored only as SHA-256 hashes; a code is used once, expires after
/// <see cref="PairingOptions.CodeMinutes"/>, is replaced by the next one issued and burnt after too many wrong tries;
/// wrong codes are rate-limited per address and globally. Sessions expire (not sliding) and can be revoked.
/// </summary>
public sealed class PairingService
{
    private const int CodeDigits = 6;
    private const int TokenBytes = 32;
    private const int MaximumTokenLength = 128;
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan KeepDeadRowsFor = TimeSpan.FromDays(7);

    private readonly PairingStore _store;
    private readonly TimeProvider _time;
    private readonly PairingOptions _options;
    private readonly WrongCodeLimiter _limiter;

    /// <exception cref="ArgumentException">An option is out of range (named).</exception>
    public PairingService(CampDatabase database, TimeProvider time, PairingOptions options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"pairing options: {string.Join(" ", errors)}", nameof(options));
        }

        _store = database.Pairing;
        _time = time;
        _options = options;
        _limiter = new WrongCodeLimiter(time, options.WrongCodesPerAddress, options.WrongCodesGlobal, options.WrongCodeWindow);
    }

    /// <summary>Issues a new one-time code ("123-456"); older unused codes stop working.</summary>
    /// <param name="issuedBy">Who asked (user name, "cli"), kept with the code for the record.</param>
    public IssuedCode Issue(string issuedBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuedBy);
        var digits = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var now = _time.GetUtcNow();
        var expires = now.AddMinutes(_options.CodeMinutes);
        _store.AddCode(Hash(digits), issuedBy, now, expires, now - KeepDeadRowsFor);
        return new IssuedCode($"{digits[..3]}-{digits[3..]}", expires);
    }

    /// <summary>Issues a new one-time code ("123-456"); see <see cref="Issue"/>.</summary>
    public string IssueCode(string issuedBy) => Issue(issuedBy).Code;

    /// <summary>When the open code stops working, or null when none is open.</summary>
    public DateTimeOffset? OpenCodeExpires() => _store.OpenCodeExpires(_time.GetUtcNow());

    /// <summary>Exchanges a code for a session. Spaces and the dash are ignored ("123 456", "123456").</summary>
    /// <param name="remote">The caller's address, for the per-address limit and the session list.</param>
    public PairingResult Redeem(string code, string remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (_limiter.RetryAfter(remote) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            return new PairingResult.RateLimited(TimeSpan.FromSeconds(seconds), $"Too many wrong codes; try again in {seconds} s.");
        }

        var now = _time.GetUtcNow();
        var token = NewToken();
        var expires = now.AddHours(_options.SessionHours);
        // A malformed code hashes the empty string, which no issued code has: a wrong try like any other.
        var entered = Normalize(code) ?? string.Empty;
        if (_store.Redeem(Hash(entered), now, new NewSession(Hash(token), remote, expires), _options.WrongTriesPerCode))
        {
            return new PairingResult.Ok(token, expires);
        }

        _limiter.RecordWrongCode(remote);
        return new PairingResult.WrongCode("Wrong or expired code. Run edgebci pair on the unit for a new one.");
    }

    /// <summary>The live session <paramref name="token"/> opens, or null when unknown, expired or revoked.</summary>
    public PairedSession? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaximumTokenLength)
        {
            return null;
        }

        var found = _store.FindSession(Hash(token));
        var now = _time.GetUtcNow();
        if (found is null || found.Revoked || found.Info.Expires <= now)
        {
            return null;
        }

        var info = found.Info;
        // Once a minute at most: a page polling every second must not write to the unit's flash every second.
        if (now - info.LastSeen >= LastSeenResolution)
        {
            _store.Touch(info.Id, now);
        }

        return new PairedSession(info.Id, info.Remote, info.Created, info.Expires);
    }

    /// <summary>Ends the session <paramref name="token"/> opens (unpair); an unknown token is ignored.</summary>
    public void Revoke(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaximumTokenLength)
        {
            return;
        }

        _store.RevokeSession(Hash(token), _time.GetUtcNow());
    }

    /// <summary>Ends every live session and the open code; returns how many sessions were live.</summary>
    public int RevokeAll() => _store.RevokeAll(_time.GetUtcNow());

    /// <summary>Live sessions, oldest first.</summary>
    public IReadOnlyList<PairedSessionInfo> List() => _store.ListLive(_time.GetUtcNow());

    /// <summary>The code's six digits, or null when <paramref name="code"/> is not six digits (with optional spaces and dash).</summary>
    private static string? Normalize(string? code)
    {
        if (code is null || code.Length > 16)
        {
            return null;
        }

        Span<char> digits = stackalloc char[CodeDigits];
        var count = 0;
        foreach (var c in code)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c) || count == CodeDigits)
            {
                return null;
            }

            digits[count++] = c;
        }

        return count == CodeDigits ? new string(digits) : null;
    }

    private static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
