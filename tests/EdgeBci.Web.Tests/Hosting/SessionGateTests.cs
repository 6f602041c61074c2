using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBci.Web.Tests.Hosting;

[TestFixture]
public sealed class SessionGateTests
{
    private PageServerHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartServer() => harness = await PageServerHarness.Start();

    [OneTimeTearDown]
    public async Task StopServer() => await harness.DisposeAsync();

    [TearDown]
    public void CloseClients() => harness.ReleaseClients();

    [TestCase("/api/unit")]
    [TestCase("/api/electrodes")]
    [TestCase("/api/stream")]
    [TestCase("/api/wearers")]
    [TestCase("/api/history?wearer=ada")]
    [TestCase("/api/camp/current")]
    [TestCase("/api/calibration/cal-1/report")]
    [TestCase("/js/app.js")]
    [TestCase("/app.css")]
    [TestCase("/no-such-thing")]
    public async Task Every_get_answers_401_without_a_session(string path)
    {
        var client = harness.NewClient();
        using var answer = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(body, Does.Contain("not paired"));
            Assert.That(body, Does.Not.Contain(PageServerHarness.AppScript.Trim()));
        });
    }

    [TestCase("/api/stop")]
    [TestCase("/api/unpair")]
    [TestCase("/api/wearers")]
    [TestCase("/api/calibration")]
    [TestCase("/api/neurofeedback")]
    [TestCase("/api/camp/cancel")]
    public async Task Every_post_but_pair_answers_401_without_a_session(string path)
    {
        var client = harness.NewClient();
        using var answer = await PageServerHarness.PostJson(client, path, "{\"wearerId\":\"ada\"}");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(harness.Stop.Requests, Is.Zero, "an unpaired STOP reached the supervisor");
    }

    [TestCase("/")]
    [TestCase("/index.html")]
    public async Task An_unpaired_page_load_answers_401_with_the_pairing_page(string path)
    {
        var client = harness.NewClient();
        using var answer = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Contain(PageServerHarness.PairMarker));
        });
    }

    [Test]
    public async Task The_pairing_page_is_public_and_allows_only_its_own_inline_script_by_hash()
    {
        var client = harness.NewClient();
        using var answer = await client.GetAsync(new Uri("/pair", UriKind.Relative));
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(PageServerHarness.InlinePairScript)));
        var policy = string.Join(' ', answer.Headers.GetValues("Content-Security-Policy"));
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Contain(PageServerHarness.PairMarker));
            Assert.That(policy, Does.Contain($"script-src 'self' 'sha256-{hash}'"));
            Assert.That(policy, Does.Not.Contain("unsafe-inline"));
        });
    }

    [TestCase("/pair.js", "text/javascript")]
    [TestCase("/pair.css", "text/css")]
    public async Task The_pairing_pages_script_and_style_sheet_are_public(string path, string type)
    {
        var client = harness.NewClient();
        using var answer = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Multiple(() =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo(type));
        });
    }

    [Test]
    public async Task A_good_code_sets_a_strict_http_only_cookie_that_opens_the_api()
    {
        var client = harness.NewClient();
        using var pair = await PageServerHarness.PostJson(client, "/api/pair", "{\"code\":\"123-456\"}");
        var cookie = string.Join(';', pair.Headers.GetValues("Set-Cookie"));
        using var unit = await client.GetAsync(new Uri("/api/unit", UriKind.Relative));
        Assert.Multiple(async () =>
        {
            Assert.That(pair.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await pair.Content.ReadAsStringAsync(), Does.StartWith("{\"expires\":\""));
            Assert.That(cookie, Does.StartWith("edgebci_session="));
            Assert.That(cookie, Does.Contain("httponly").IgnoreCase);
            Assert.That(cookie, Does.Contain("samesite=strict").IgnoreCase);
            Assert.That(cookie, Does.Contain("path=/").IgnoreCase);
            Assert.That(unit.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Unpair_revokes_the_session()
    {
        var client = await harness.PairedClient();
        using var before = await client.GetAsync(new Uri("/api/unit", UriKind.Relative));
        using var unpair = await PageServerHarness.PostJson(client, "/api/unpair", "{}");
        using var after = await client.GetAsync(new Uri("/api/unit", UriKind.Relative));
        Assert.Multiple(() =>
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(unpair.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task A_forged_cookie_is_refused()
    {
        var client = harness.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/unit", UriKind.Relative));
        request.Headers.Add("Cookie", "edgebci_session=forged-token");
        using var answer = await client.SendAsync(request);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Answers_carry_the_security_headers_and_the_api_is_not_cached()
    {
        var client = await harness.PairedClient();
        using var api = await client.GetAsync(new Uri("/api/unit", UriKind.Relative));
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Multiple(() =>
        {
            foreach (var answer in new[] { api, page })
            {
                Assert.That(answer.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
                Assert.That(answer.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
                Assert.That(string.Join(' ', answer.Headers.GetValues("Content-Security-Policy")), Does.StartWith("default-src 'self'; script-src 'self';"));
                Assert.That(answer.Headers.Contains("Server"), Is.False);
            }

            Assert.That(api.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }
}

/// <summary>Wrong codes, in a server of their own: the fake limiter's count must not leak into the other tests.</summary>
[TestFixture]
public sealed class WrongCodeTests
{
    [Test]
    public async Task A_wrong_code_answers_401_then_429_with_retry_after()
    {
        await using var harness = await PageServerHarness.Start();
        var client = harness.NewClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await PageServerHarness.PostJson(client, "/api/pair", "{\"code\":\"999-999\"}");
            statuses.Add(wrong.StatusCode);
            Assert.That(wrong.Headers.Contains("Set-Cookie"), Is.False);
        }

        using var limited = await PageServerHarness.PostJson(client, "/api/pair", "{\"code\":\"123-456\"}");
        Assert.Multiple(async () =>
        {
            Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(limited.StatusCode, Is.EqualTo((HttpStatusCode)429));
            Assert.That(limited.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(300)));
            Assert.That(await limited.Content.ReadAsStringAsync(), Does.Contain("\"retryAfterSeconds\":300"));
            Assert.That(limited.Headers.Contains("Set-Cookie"), Is.False);
        });
    }
}
