using PuppeteerSharp;

namespace EdgeBci.Web.Tests.Browser;

/// <summary>
/// The system Chromium, headless, driven by PuppeteerSharp. Each <see cref="NewContextAsync"/> is an incognito profile of
/// its own (its own cookies: a paired tablet and an unpaired stranger side by side). Screenshots go to
/// <see cref="ScreenshotFolder"/> under stable names (the README links them) and are attached to the running test.
/// Every browser started is closed on dispose, or at the latest when the test runner exits.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly HashSet<IBrowser> Running = [];
    private readonly IBrowser _browser;

    static HeadlessChromium() => AppDomain.CurrentDomain.ProcessExit += (_, _) => CloseAllStillRunning();

    private HeadlessChromium(IBrowser browser) => _browser = browser;

    /// <summary>Where the screenshots of the last run are (the build output's screenshots folder).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        var options = new LaunchOptions
        {
            // ExecutablePath set: PuppeteerSharp uses this binary and never fetches one of its own.
            ExecutablePath = ChromiumBinary.Find(),
            Headless = true,
            HeadlessMode = HeadlessMode.True,
            Args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            // A tablet in landscape: the page's widest layout the issue names.
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 800 },
            // A loaded 2-core machine starts Chromium slowly.
            Timeout = 90_000,
            ProtocolTimeout = 120_000,
        };
        var browser = await Puppeteer.LaunchAsync(options);
        lock (Running)
        {
            Running.Add(browser);
        }

        return new HeadlessChromium(browser);
    }

    public Task<IBrowserContext> NewContextAsync() => _browser.CreateBrowserContextAsync();

    /// <summary>Saves a full-page screenshot as <c>name</c>.png and attaches it to the current test.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, $"{name}.png");
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        TestContext.AddTestAttachment(path, name);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        lock (Running)
        {
            if (!Running.Remove(_browser))
            {
                return;
            }
        }

        await _browser.CloseAsync();
        await _browser.DisposeAsync();
    }

    private static void CloseAllStillRunning()
    {
        IBrowser[] left;
        lock (Running)
        {
            left = [.. Running];
            Running.Clear();
        }

        foreach (var browser in left)
        {
            // The runner is exiting: no time for a polite close; the browser's process tree goes with it.
            browser.Process?.Kill(entireProcessTree: true);
        }
    }
}
