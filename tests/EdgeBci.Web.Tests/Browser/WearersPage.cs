using System.Text.Json;
using PuppeteerSharp;

namespace EdgeBci.Web.Tests.Browser;

/// <summary>
/// The wearer's page in one browser tab, addressed by the contract's data-testid ids. Where a testid appears in more
/// than one view (the wearer picker), the visible one is meant. Waits watch the page's own state with generous
/// timeouts (a loaded 2-core machine), never a fixed sleep.
/// </summary>
internal sealed class WearersPage(IPage page, Uri baseAddress)
{
    private const int PollMilliseconds = 100;

    public IPage Page { get; } = page;

    public Uri BaseAddress { get; } = baseAddress;

    public static string Selector(string testId) => $"[data-testid=\"{testId}\"]";

    public async Task<IResponse> OpenAsync(string path = "")
    {
        var response = await Page.GoToAsync(new Uri(BaseAddress, path).ToString(), new NavigationOptions { Timeout = 60_000, WaitUntil = [WaitUntilNavigation.Load] });
        return response ?? throw new InvalidOperationException($"Opening {path} gave no response.");
    }

    /// <summary>The first visible element with this testid, waited for.</summary>
    public async Task<IElementHandle> VisibleAsync(string testId, TimeSpan? timeout = null)
    {
        var handle = await Page.WaitForFunctionAsync(
            "id => [...document.querySelectorAll(`[data-testid=\"${id}\"]`)].find(e => e.checkVisibility()) ?? null",
            new WaitForFunctionOptions { Timeout = Milliseconds(timeout ?? TimeSpan.FromSeconds(30)), PollingInterval = PollMilliseconds },
            testId);
        return handle as IElementHandle ?? throw new InvalidOperationException($"{testId} is not an element.");
    }

    public async Task ClickAsync(string testId) => await (await VisibleAsync(testId)).ClickAsync();

    /// <summary>Replaces an input's text as a user would: select what is there, type the new text.</summary>
    public async Task TypeAsync(string testId, string text)
    {
        var input = await VisibleAsync(testId);
        await input.EvaluateFunctionAsync("e => { e.focus(); e.select(); }");
        await input.TypeAsync(text);
    }

    public async Task<string> TextAsync(string testId) =>
        (await (await VisibleAsync(testId)).EvaluateFunctionAsync<string>("e => e.innerText ?? e.textContent ?? ''")).Trim();

    public async Task<string?> AttributeAsync(string testId, string attribute) =>
        await (await VisibleAsync(testId)).EvaluateFunctionAsync<string?>("(e, a) => e.getAttribute(a)", attribute);

    /// <summary>Waits until a JavaScript predicate over the page holds; fails with <paramref name="what"/> and the page's text otherwise.</summary>
    public async Task WaitUntilAsync(string predicate, TimeSpan timeout, string what, params object[] arguments)
    {
        try
        {
            await Page.WaitForFunctionAsync(predicate, new WaitForFunctionOptions { Timeout = Milliseconds(timeout), PollingInterval = PollMilliseconds }, arguments);
        }
        catch (WaitTaskTimeoutException)
        {
            var text = await Page.EvaluateExpressionAsync<string>("document.body ? document.body.innerText : ''");
            throw new AssertionException($"Waited {timeout} for {what}; the page shows:\n{text}");
        }
    }

    /// <summary>A request from the page itself (its cookies, its origin), as the page's own scripts make it.</summary>
    public async Task<FetchAnswer> FetchAsync(string method, string path, object? body = null)
    {
        var json = await Page.EvaluateFunctionAsync<string>(
            """
            async (method, path, body) => {
              const init = { method, credentials: 'same-origin' };
              if (body !== null) { init.headers = { 'Content-Type': 'application/json' }; init.body = body; }
              const r = await fetch(path, init);
              return JSON.stringify({ status: r.status, contentType: r.headers.get('content-type') ?? '', text: await r.text() });
            }
            """,
            method, path, body is null ? null! : JsonSerializer.Serialize(body, JsonOptions));
        using var answer = JsonDocument.Parse(json);
        var root = answer.RootElement;
        return new FetchAnswer(root.GetProperty("status").GetInt32(), root.GetProperty("contentType").GetString()!, root.GetProperty("text").GetString()!);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var answer = await FetchAsync("GET", path);
        Assert.That(answer.Status, Is.EqualTo(200), $"GET {path}: {answer.Text}");
        using var document = JsonDocument.Parse(answer.Text);
        return document.RootElement.Clone();
    }

    public Task<string> ScreenshotAsync(string name) => HeadlessChromium.ScreenshotAsync(Page, name);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static int Milliseconds(TimeSpan timeout) => (int)timeout.TotalMilliseconds;
}

internal sealed record FetchAnswer(int Status, string ContentType, string Text);
