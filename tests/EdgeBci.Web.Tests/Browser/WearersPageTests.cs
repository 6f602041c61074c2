using System.Globalization;
using System.Text.Json;
using PuppeteerSharp;

namespace EdgeBci.Web.Tests.Browser;

/// <summary>
/// Issue 17 section 4: the wearer's page in headless Chromium against the real firmware on the emulator. One firmware
/// serves the whole flow (pair, electrodes, calibration, neurofeedback) and is restarted once for the history; each
/// view is saved as a screenshot (<see cref="HeadlessChromium.ScreenshotFolder"/>, and attached to its test).
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Browser")]
public sealed class WearersPageTests
{
    private static readonly string[] Qualities = ["good", "noisy", "bad", "settling"];

    private PageFirmware? _firmware;
    private HeadlessChromium? _chromium;
    private IBrowserContext? _tablet;
    private CampFlow? _flow;

    private CampFlow Flow => _flow ?? throw new InvalidOperationException("The one-time set-up did not finish.");

    [OneTimeSetUp]
    public async Task StartFirmwareAndBrowser()
    {
        try
        {
            _firmware = new PageFirmware();
            await _firmware.StartAsync();
            _chromium = await HeadlessChromium.LaunchAsync();
            _tablet = await _chromium.NewContextAsync();
            _flow = new CampFlow(_firmware, new WearersPage(await _tablet.NewPageAsync(), _firmware.BaseAddress));
        }
        catch
        {
            await StopFirmwareAndBrowser();
            throw;
        }
    }

    [OneTimeTearDown]
    public async Task StopFirmwareAndBrowser()
    {
        // Each in its own finally: a browser that will not close still leaves no firmware running, and the reverse.
        try
        {
            if (_chromium is not null)
            {
                await _chromium.DisposeAsync();
            }
        }
        finally
        {
            _chromium = null;
            _firmware?.Dispose();
            _firmware = null;
        }
    }

    [TearDown]
    public void AttachFirmwareOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _firmware is not null)
        {
            TestContext.Out.WriteLine($"Firmware output:\n{_firmware.Output}");
        }
    }

    [Test, Order(1)]
    public async Task An_unpaired_browser_gets_401_for_the_page_the_api_and_the_stream_and_sees_only_the_pairing_form()
    {
        await using var stranger = await _chromium!.NewContextAsync();
        var page = new WearersPage(await stranger.NewPageAsync(), _firmware!.BaseAddress);
        foreach (var path in new[] { "api/unit", "api/stream", "api/electrodes", "api/history?wearer=e2e-wearer" })
        {
            Assert.That((await page.OpenAsync(path)).Status, Is.EqualTo(System.Net.HttpStatusCode.Unauthorized), path);
        }

        var root = await page.OpenAsync();
        Assert.That(root.Status, Is.EqualTo(System.Net.HttpStatusCode.Unauthorized), "GET /");
        await page.VisibleAsync("pair-code");
        await page.ScreenshotAsync("unpaired");
        var appControls = await page.Page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('[data-testid]')].map(e => e.getAttribute('data-testid')).filter(id => !id.startsWith('pair-'))");
        Assert.That(appControls, Is.Empty, "an unpaired browser sees only the pairing form");
    }

    [Test, Order(2)]
    public async Task The_pairing_page_refuses_a_wrong_code_and_exchanges_the_code_from_edgebci_pair_for_a_session()
    {
        await using var other = await _chromium!.NewContextAsync();
        var wrong = new WearersPage(await other.NewPageAsync(), _firmware!.BaseAddress);
        await wrong.OpenAsync("pair");
        await wrong.TypeAsync("pair-code", "000-000");
        await wrong.ClickAsync("pair-submit");
        await wrong.WaitUntilAsync(
            "() => { const e = document.querySelector('[data-testid=\"pair-error\"]'); return e && e.checkVisibility() && e.innerText.trim().length > 0; }",
            TimeSpan.FromSeconds(30), "the wrong code's error");
        await wrong.ScreenshotAsync("pairing-wrong-code");

        await Flow.PairAsync();
        var unit = await Flow.Page.GetJsonAsync("/api/unit");
        Assert.That(unit.GetProperty("channels").GetArrayLength(), Is.EqualTo(8), "the paired page reads the unit");
        Assert.That((await Flow.Page.FetchAsync("GET", "/api/electrodes")).Status, Is.EqualTo(200));
    }

    [Test, Order(3)]
    public async Task The_electrodes_view_draws_eight_moving_traces_and_shows_each_channels_quality()
    {
        await Flow.PairAsync();
        var page = Flow.Page;
        await page.ClickAsync("tab-electrodes");
        await page.VisibleAsync("view-electrodes");
        await page.WaitUntilAsync(
            "() => { const t = document.querySelector('[data-testid=\"traces\"]'); return t && t.getAttribute('data-channels') === '8' && Number(t.getAttribute('data-frames')) > 0; }",
            TimeSpan.FromSeconds(60), "the traces canvas drawing eight channels");
        var frames = int.Parse((await page.AttributeAsync("traces", "data-frames"))!, CultureInfo.InvariantCulture);
        await page.WaitUntilAsync("n => Number(document.querySelector('[data-testid=\"traces\"]').getAttribute('data-frames')) >= n + 10",
            TimeSpan.FromSeconds(60), "ten more frames of traces", frames);

        var channels = (await page.GetJsonAsync("/api/unit")).GetProperty("channels").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.That(channels, Has.Length.EqualTo(8));
        foreach (var label in channels)
        {
            await page.WaitUntilAsync("l => (document.querySelector(`[data-testid=\"quality-${l}\"]`)?.innerText ?? '').trim().length > 0",
                TimeSpan.FromSeconds(30), $"the quality of {label}", label);
            var quality = await page.TextAsync($"quality-{label}");
            Assert.That(Qualities.Any(q => quality.Contains(q, StringComparison.OrdinalIgnoreCase)), Is.True, $"quality-{label} says '{quality}'");
            var electrodeClass = await page.Page.EvaluateFunctionAsync<string>("l => document.querySelector(`[data-testid=\"electrode-${l}\"]`)?.getAttribute('class') ?? ''", label);
            Assert.That(electrodeClass.Split(' ').Intersect(Qualities).Count(), Is.EqualTo(1), $"electrode-{label} on the head map has class '{electrodeClass}'");
        }

        await page.ScreenshotAsync("electrodes");
    }

    [Test, Order(4)]
    public async Task The_page_has_no_control_that_arms_or_moves_and_the_unit_has_no_route_for_it()
    {
        await Flow.PairAsync();
        var page = Flow.Page;
        foreach (var tab in new[] { "tab-electrodes", "tab-calibration", "tab-focus", "tab-history" })
        {
            await page.ClickAsync(tab);
            var arming = await page.Page.EvaluateExpressionAsync<string[]>("""
                [...document.querySelectorAll('button, a, input[type=button], input[type=submit], [role=button], [onclick]')]
                  .map(e => `${e.getAttribute('data-testid') ?? ''} ${e.getAttribute('aria-label') ?? ''} ${e.getAttribute('title') ?? ''} ${e.innerText ?? e.value ?? ''}`)
                  .filter(t => /\b(arm|arms|arming|move|moves|moving)\b|-arm\b|arm-/i.test(t))
                """);
            Assert.That(arming, Is.Empty, $"controls that mention arming or moving with {tab} open");
        }

        Assert.That(await page.VisibleAsync("stop-button"), Is.Not.Null, "STOP is always there");
        foreach (var route in new[] { "/api/arm", "/api/move", "/api/disarm" })
        {
            Assert.That((await page.FetchAsync("POST", route, new { })).Status, Is.EqualTo(404), $"POST {route}");
        }
    }

    [Test, Order(5)]
    public async Task A_calibration_with_the_replayed_wearer_shows_its_cues_then_the_verdict_in_words_with_its_report()
    {
        var seen = await Flow.CalibrateAsync();

        Assert.That(seen.CueProgressTexts, Has.Some.Match(@"Trial \d+ of \d+"), "the cue progress the page showed");
        Assert.That(seen.VerdictText, Does.Match(@"\p{L}+ \p{L}+"), "the verdict is said in words");
        Assert.That(seen.VerdictText, Does.Not.Match(@"\b(null|undefined|NaN)\b"), "no missing value leaks into the words");
        Assert.That(seen.ReportHref, Is.Not.Empty, "the report link");
        var report = await Flow.Page.FetchAsync("GET", seen.ReportHref);
        Assert.That(report.Status, Is.EqualTo(200), $"GET {seen.ReportHref}");
        Assert.That(report.ContentType, Does.StartWith("text/html"));

        var calibrations = (await Flow.HistoryAsync()).GetProperty("calibrations").EnumerateArray().ToArray();
        Assert.That(calibrations, Has.Length.EqualTo(1));
        Assert.That(calibrations[0].GetProperty("verdict").GetString(), Is.EqualTo(seen.Passed ? "passed" : "refused"), "the stored verdict is the one shown");
        Assert.That(calibrations[0].GetProperty("installed").GetBoolean(), Is.False, "Camp:InstallPassedModel=false");

        // The emulator armed the chair at switch-on; a calibration disarms it first (imagined moves must not drive it).
        var status = (await Flow.Page.GetJsonAsync("/api/unit")).GetProperty("status");
        Assert.That(status.GetProperty("armed").GetBoolean(), Is.False, $"supervisor {status.GetProperty("supervisor")} after a calibration");
    }

    [Test, Order(6)]
    public async Task A_one_minute_neurofeedback_session_shows_its_score_and_stores_it()
    {
        var seen = await Flow.RunFocusSessionAsync();

        Assert.That(seen.Score, Is.InRange(0.0, 1.0));
        Assert.That(seen.Text, Is.Not.Empty, "the time-in-zone result in words");
        var stored = (await Flow.HistoryAsync()).GetProperty("focus").EnumerateArray().ToArray();
        Assert.That(stored, Has.Length.EqualTo(1));
        Assert.That(stored[0].GetProperty("completed").GetBoolean(), Is.True);
        Assert.That(stored[0].GetProperty("seconds").GetDouble(), Is.EqualTo(60).Within(2), "the session's length");
        Assert.That(stored[0].GetProperty("score").GetDouble(), Is.EqualTo(seen.Score).Within(0.01), "the stored score is the one shown");
    }

    [Test, Order(7)]
    public async Task After_a_firmware_restart_the_history_view_shows_the_calibration_and_the_focus_session()
    {
        await Flow.CalibrateAsync();
        await Flow.RunFocusSessionAsync();

        await _firmware!.RestartAsync();
        var page = Flow.Page;
        await page.OpenAsync();
        // The pairing session is in the database too: the tablet stays paired across the restart.
        await page.ClickAsync("tab-history");
        await Flow.SelectWearerAsync();
        await page.WaitUntilAsync("""
            () => {
              const rows = [...document.querySelectorAll('[data-testid="history-row"]')];
              return rows.some(r => r.getAttribute('data-kind') === 'calibration') && rows.some(r => r.getAttribute('data-kind') === 'focus');
            }
            """, TimeSpan.FromSeconds(60), "a calibration row and a focus row in the history");
        await page.VisibleAsync("history-chart-accuracy");
        await page.VisibleAsync("history-chart-focus");
        await page.ScreenshotAsync("history");

        var kinds = await page.Page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('[data-testid=\"history-row\"]')].map(r => r.getAttribute('data-kind'))");
        Assert.That(kinds, Is.EquivalentTo(new[] { "calibration", "focus" }), "one row per stored session");
        var history = await Flow.HistoryAsync();
        Assert.That(history.GetProperty("calibrations").GetArrayLength() + history.GetProperty("focus").GetArrayLength(), Is.EqualTo(2));
    }
}
