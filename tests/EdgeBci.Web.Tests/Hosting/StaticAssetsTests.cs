using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeBci.Web.Tests.Hosting;

[TestFixture]
public sealed class StaticAssetsTests : PairedServerFixture
{
    [Test]
    public async Task A_script_is_served_as_javascript_with_an_etag_that_revalidates()
    {
        using var first = await Client.GetAsync(new Uri("/js/app.js", UriKind.Relative));
        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/js/app.js", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await Client.SendAsync(again);
        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await first.Content.ReadAsStringAsync(), Is.EqualTo(PageServerHarness.AppScript));
            Assert.That(first.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
            Assert.That(first.Headers.CacheControl?.NoCache, Is.True);
            Assert.That(first.Headers.ETag, Is.Not.Null);
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        });
    }

    [Test]
    public async Task The_root_serves_index_html()
    {
        using var answer = await Client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Contain("view-electrodes"));
        });
    }

    [Test]
    public async Task A_folder_is_not_listed()
    {
        using var answer = await Client.GetAsync(new Uri("/js/", UriKind.Relative));
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Not.Contain("app.js"));
        });
    }

    /// <summary>Raw requests: HttpClient would normalize the dots away before they reach the unit.</summary>
    [TestCase("/../secret.txt")]
    [TestCase("/js/../../secret.txt")]
    [TestCase("/%2e%2e/secret.txt")]
    [TestCase("/js/%2e%2e%2f%2e%2e%2fsecret.txt")]
    [TestCase("/..%5csecret.txt")]
    public async Task A_path_cannot_leave_the_web_root(string path)
    {
        var answer = await RawGet(path);
        Assert.Multiple(() =>
        {
            Assert.That(answer, Does.StartWith("HTTP/1.1 4"));
            Assert.That(answer, Does.Not.Contain("outside the web root"));
        });
    }

    [Test]
    public async Task A_raw_request_with_the_session_reaches_the_files()
    {
        Assert.That(await RawGet("/js/app.js"), Does.StartWith("HTTP/1.1 200").And.Contain(PageServerHarness.AppScript.Trim()));
    }

    private async Task<string> RawGet(string path)
    {
        var cookie = Harness.SessionCookieOf(Client);
        Assert.That(cookie, Is.Not.Empty, "the paired Client has no session cookie");
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, Harness.Address.Port);
        var stream = socket.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {Harness.Address.Authority}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
