using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EdgeBci.Tests.Shared;
using EdgeBci.Web.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Web.Tests.Hosting;

/// <summary>The page's server on 127.0.0.1 (a free port) over fake seams, with a tiny web root of its own.</summary>
internal sealed class PageServerHarness : IAsyncDisposable
{
    public const string PairMarker = "<!-- pairing page -->";
    public const string InlinePairScript = "document.body.dataset.ready='1';";
    public const string AppScript = "export const answer = 42;\n";

    private readonly ScratchFolder scratch = new("web-host");
    private readonly List<HttpClient> clients = [];
    private readonly Dictionary<HttpClient, CookieContainer> cookies = [];

    private PageServerHarness(WebOptions options, TimeSpan statusInterval, TimeSpan keepAliveInterval)
    {
        var webRoot = Path.Combine(scratch.Path, "wwwroot");
        Directory.CreateDirectory(Path.Combine(webRoot, "js"));
        File.WriteAllText(Path.Combine(webRoot, "pair.html"), $"<!doctype html>{PairMarker}<html><body><script>{InlinePairScript}</script></body></html>");
        File.WriteAllText(Path.Combine(webRoot, "index.html"), "<!doctype html><html><body data-testid=\"view-electrodes\"></body></html>");
        File.WriteAllText(Path.Combine(webRoot, "js", "app.js"), AppScript);
        File.WriteAllText(Path.Combine(webRoot, "app.css"), "body { margin: 0; }\n");
        File.WriteAllText(Path.Combine(webRoot, "pair.js"), "// the pairing form's script\n");
        File.WriteAllText(Path.Combine(webRoot, "pair.css"), "form { margin: 0; }\n");
        File.WriteAllText(Path.Combine(scratch.Path, "secret.txt"), "outside the web root");
        Server = new WearerPageServer(options, new WearerPageSeams(Unit, Traces, Stop, Camp), Sessions, History, NullLoggerFactory.Instance, webRoot)
        {
            StatusInterval = statusInterval,
            KeepAliveInterval = keepAliveInterval,
        };
    }

    public FakeUnit Unit { get; } = new();

    public FakeTraces Traces { get; } = new();

    public FakeStop Stop { get; } = new();

    public FakeCamp Camp { get; } = new();

    public FakeSessions Sessions { get; } = new();

    public FakeHistory History { get; } = new();

    public WearerPageServer Server { get; }

    public string ScratchPath => scratch.Path;

    public Uri Address => Server.Address ?? throw new InvalidOperationException("not started");

    public static async Task<PageServerHarness> Start(Action<WebOptions>? configure = null, double statusSeconds = 1, double keepAliveSeconds = 15)
    {
        var options = new WebOptions { Enabled = true, Address = "127.0.0.1", Port = 0, StreamQueueLength = 16 };
        configure?.Invoke(options);
        var harness = new PageServerHarness(options, TimeSpan.FromSeconds(statusSeconds), TimeSpan.FromSeconds(keepAliveSeconds));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await harness.Server.StartAsync(timeout.Token);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>A browser of its own (its own cookie jar), not paired.</summary>
    public HttpClient NewClient()
    {
        var jar = new CookieContainer();
        var handler = new HttpClientHandler
        {
            CookieContainer = jar,
            UseCookies = true,
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        var client = new HttpClient(handler) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        clients.Add(client);
        cookies[client] = jar;
        return client;
    }

    /// <summary>Closes every client's connections: the server takes only a few at once, as on the unit.</summary>
    public void ReleaseClients()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        clients.Clear();
        cookies.Clear();
    }

    /// <summary>The client's session as a Cookie header value, for raw-socket requests.</summary>
    public string SessionCookieOf(HttpClient client) =>
        cookies[client].GetCookies(Address)["edgebci_session"] is { } cookie ? $"{cookie.Name}={cookie.Value}" : string.Empty;

    public async Task<HttpClient> PairedClient()
    {
        var client = NewClient();
        using var answer = await PostJson(client, "/api/pair", $"{{\"code\":\"{FakeSessions.GoodCode}\"}}");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        return client;
    }

    /// <summary>The "error" of a JSON error answer (the serializer escapes quotes and apostrophes).</summary>
    public static async Task<string> ErrorOf(HttpResponseMessage answer)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString() ?? string.Empty;
    }

    public static Task<HttpResponseMessage> PostJson(HttpClient client, string path, string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseClients();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Server.StopAsync(timeout.Token);
        await Server.DisposeAsync();
        scratch.Dispose();
    }
}
