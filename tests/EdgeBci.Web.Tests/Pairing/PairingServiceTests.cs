using System.Text;
using EdgeBci.Tests.Shared;
using EdgeBci.Web.Pairing;
using EdgeBci.Web.Store;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Web.Tests.Pairing;

/// <summary>One-time codes, hashed session tokens, expiry, revocation and the wrong-code limits, on a fake clock.</summary>
public class PairingServiceTests
{
    private ScratchFolder _scratch = null!;
    private CampDatabase _database = null!;
    private FakeTimeProvider _time = null!;
    private PairingService _pairing = null!;

    [SetUp]
    public void OpenDatabase()
    {
        _scratch = new ScratchFolder("pairing");
        _database = CampDatabase.Open(Path.Combine(_scratch.Path, "camp.db"));
        _time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
        _pairing = new PairingService(_database, _time, new PairingOptions());
    }

    [TearDown]
    public void CloseDatabase()
    {
        _database.Dispose();
        _scratch.Dispose();
    }

    private static string Wrong(string code) => code == "000-000" ? "000-001" : "000-000";

    [Test]
    public void A_code_is_six_digits_and_pairs_once()
    {
        var issued = _pairing.Issue("test");
        Assert.That(issued.Code, Does.Match(@"^\d{3}-\d{3}$"));
        Assert.That(issued.Expires, Is.EqualTo(_time.GetUtcNow().AddMinutes(10)));

        var first = _pairing.Redeem(issued.Code.Replace("-", " ", StringComparison.Ordinal), "10.0.0.2");
        var second = _pairing.Redeem(issued.Code, "10.0.0.3");

        Assert.That(first, Is.TypeOf<PairingResult.Ok>());
        Assert.That(((PairingResult.Ok)first).Expires, Is.EqualTo(_time.GetUtcNow().AddHours(12)));
        Assert.That(second, Is.TypeOf<PairingResult.WrongCode>(), "a used code opens nothing more");
    }

    [Test]
    public void A_code_expires_after_its_minutes()
    {
        var code = _pairing.IssueCode("test");
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.That(_pairing.Redeem(code, "10.0.0.2"), Is.TypeOf<PairingResult.WrongCode>());
        Assert.That(_pairing.OpenCodeExpires(), Is.Null);
    }

    [Test]
    public void Issuing_a_new_code_ends_the_old_one()
    {
        var old = _pairing.IssueCode("test");
        var current = _pairing.IssueCode("test");

        Assert.That(_pairing.Redeem(old, "10.0.0.2"), old == current ? Is.TypeOf<PairingResult.Ok>() : Is.TypeOf<PairingResult.WrongCode>());
        Assert.That(_pairing.Redeem(current, "10.0.0.2"), old == current ? Is.TypeOf<PairingResult.WrongCode>() : Is.TypeOf<PairingResult.Ok>());
    }

    [Test]
    public void A_code_is_burnt_after_five_wrong_tries_whoever_sent_them()
    {
        var code = _pairing.IssueCode("test");
        for (var i = 0; i < 5; i++)
        {
            Assert.That(_pairing.Redeem(Wrong(code), $"10.0.1.{i}"), Is.TypeOf<PairingResult.WrongCode>());
        }

        Assert.That(_pairing.Redeem(code, "10.0.0.2"), Is.TypeOf<PairingResult.WrongCode>(), "burnt: even the right code no longer pairs");
    }

    [Test]
    public void Wrong_codes_from_one_address_make_that_address_wait_and_only_it()
    {
        _pairing.IssueCode("test");
        for (var i = 0; i < 5; i++)
        {
            _pairing.Redeem("garbage", "10.0.0.66");
        }

        var code = _pairing.IssueCode("test");
        var limited = _pairing.Redeem(code, "10.0.0.66");

        Assert.That(limited, Is.TypeOf<PairingResult.RateLimited>(), "limited before the code is even looked at, so guessing cannot go on");
        Assert.That(((PairingResult.RateLimited)limited).RetryAfter, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(_pairing.Redeem(Wrong(code), "10.0.0.7"), Is.TypeOf<PairingResult.WrongCode>(), "another address is not held up");

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.That(_pairing.Redeem(code, "10.0.0.66"), Is.TypeOf<PairingResult.Ok>(), "after the window the address may try again");
    }

    [Test]
    public void Wrong_codes_from_many_addresses_are_limited_together()
    {
        for (var i = 0; i < 20; i++)
        {
            Assert.That(_pairing.Redeem("999-999", $"10.0.2.{i}"), Is.TypeOf<PairingResult.WrongCode>());
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var code = _pairing.IssueCode("test");
        var limited = _pairing.Redeem(code, "10.0.3.1");

        Assert.That(limited, Is.TypeOf<PairingResult.RateLimited>());
        Assert.That(((PairingResult.RateLimited)limited).RetryAfter, Is.EqualTo(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(20)));
    }

    [Test]
    public void The_token_and_the_code_are_stored_only_as_hashes()
    {
        var code = _pairing.IssueCode("test");
        var token = ((PairingResult.Ok)_pairing.Redeem(code, "10.0.0.2")).Token;
        Assert.That(token, Has.Length.EqualTo(43), "32 random bytes, base64url");
        _database.Dispose();

        var bytes = Directory.GetFiles(_scratch.Path).SelectMany(File.ReadAllBytes).ToArray();
        var tokenHash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token));

        Assert.That(Contains(bytes, Encoding.UTF8.GetBytes(token)), Is.False, "the raw token is nowhere in the files");
        Assert.That(Contains(bytes, Encoding.UTF8.GetBytes(code.Replace("-", "", StringComparison.Ordinal))), Is.False, "nor the code");
        Assert.That(Contains(bytes, tokenHash), Is.True, "its SHA-256 is what is kept");
    }

    [Test]
    public void A_session_lasts_its_hours_and_no_longer_however_often_it_is_used()
    {
        var token = ((PairingResult.Ok)_pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.2")).Token;

        _time.Advance(TimeSpan.FromHours(11.9));
        Assert.That(_pairing.Validate(token)?.Remote, Is.EqualTo("10.0.0.2"));
        _time.Advance(TimeSpan.FromHours(0.1));
        Assert.That(_pairing.Validate(token), Is.Null);
        Assert.That(_pairing.List(), Is.Empty);
    }

    [Test]
    public void Unknown_and_malformed_tokens_open_nothing()
    {
        _pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.2");

        Assert.That(_pairing.Validate(null), Is.Null);
        Assert.That(_pairing.Validate(""), Is.Null);
        Assert.That(_pairing.Validate("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), Is.Null);
        Assert.That(_pairing.Validate(new string('x', 10_000)), Is.Null);
    }

    [Test]
    public void Last_seen_is_written_at_most_once_a_minute()
    {
        var token = ((PairingResult.Ok)_pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.2")).Token;
        var paired = _time.GetUtcNow();

        _time.Advance(TimeSpan.FromSeconds(59));
        _pairing.Validate(token);
        Assert.That(_pairing.List().Single().LastSeen, Is.EqualTo(paired));

        _time.Advance(TimeSpan.FromSeconds(1));
        _pairing.Validate(token);
        Assert.That(_pairing.List().Single().LastSeen, Is.EqualTo(paired.AddMinutes(1)));
    }

    [Test]
    public void A_revoked_session_opens_nothing_and_the_others_stay()
    {
        var first = ((PairingResult.Ok)_pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.2")).Token;
        var second = ((PairingResult.Ok)_pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.3")).Token;

        _pairing.Revoke(first);

        Assert.That(_pairing.Validate(first), Is.Null);
        Assert.That(_pairing.Validate(second), Is.Not.Null);
        Assert.That(_pairing.List().Select(s => s.Remote), Is.EqualTo(new[] { "10.0.0.3" }));
    }

    [Test]
    public void Revoking_all_ends_every_session_and_the_open_code()
    {
        var first = ((PairingResult.Ok)_pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.2")).Token;
        var second = ((PairingResult.Ok)_pairing.Redeem(_pairing.IssueCode("test"), "10.0.0.3")).Token;
        var waiting = _pairing.IssueCode("test");

        Assert.That(_pairing.RevokeAll(), Is.EqualTo(2));

        Assert.That(_pairing.Validate(first), Is.Null);
        Assert.That(_pairing.Validate(second), Is.Null);
        Assert.That(_pairing.Redeem(waiting, "10.0.0.4"), Is.TypeOf<PairingResult.WrongCode>());
    }

    [Test]
    public void A_code_issued_by_one_process_pairs_once_in_another_even_when_two_race_for_it()
    {
        // The firmware and edgebci pair each open the file themselves.
        using var other = CampDatabase.Open(_database.Path);
        var firmware = new PairingService(other, _time, new PairingOptions());
        var code = _pairing.IssueCode("edgebci pair");

        var results = new PairingResult[8];
        Parallel.For(0, results.Length, i => results[i] = (i % 2 == 0 ? firmware : _pairing).Redeem(code, $"10.0.4.{i}"));

        Assert.That(results.Count(r => r is PairingResult.Ok), Is.EqualTo(1));
        var token = ((PairingResult.Ok)results.Single(r => r is PairingResult.Ok)).Token;
        Assert.That(firmware.Validate(token), Is.Not.Null);
    }

    [Test]
    public void Options_out_of_range_are_named()
    {
        var refusal = Assert.Throws<ArgumentException>(() => _ = new PairingService(_database, _time, new PairingOptions { SessionHours = 0, CodeMinutes = -1 }));

        Assert.That(refusal!.Message, Does.Contain("SessionHours is 0").And.Contain("CodeMinutes is -1"));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
