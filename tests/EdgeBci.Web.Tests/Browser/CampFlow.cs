using System.Globalization;
using System.Text.Json;

namespace EdgeBci.Web.Tests.Browser;

/// <summary>
/// What a carer does on the paired page, each step done once per firmware and remembered, so every test can ask for
/// the steps it builds on (a test run alone still pairs, still calibrates) while the whole suite starts one firmware.
/// </summary>
internal sealed class CampFlow(PageFirmware firmware, WearersPage page)
{
    public const string WearerId = "e2e-wearer";

    private static readonly TimeSpan CalibrationTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan FocusTimeout = TimeSpan.FromMinutes(4);

    private bool _paired;
    private bool _wearerCreated;
    private CalibrationSeen? _calibration;
    private FocusSeen? _focus;

    public WearersPage Page => page;

    /// <summary>Pairs this browser with a code from `edgebci pair`, typed into the pairing page; lands on the page itself.</summary>
    public Task PairAsync() => Once(() => _paired, async () =>
    {
        await page.OpenAsync();
        await page.VisibleAsync("pair-code");
        await page.ScreenshotAsync("pairing");
        await page.TypeAsync("pair-code", firmware.IssuePairingCode());
        await page.ClickAsync("pair-submit");
        await page.VisibleAsync("tab-electrodes", TimeSpan.FromSeconds(60));
        _paired = true;
    });

    /// <summary>Creates the test wearer with the picker and selects it.</summary>
    public Task CreateWearerAsync() => Once(() => _wearerCreated, async () =>
    {
        await PairAsync();
        await page.ClickAsync("tab-calibration");
        await page.TypeAsync("wearer-new-id", WearerId);
        await page.ClickAsync("wearer-create");
        await SelectWearerAsync();
        _wearerCreated = true;
    });

    /// <summary>Picks the test wearer in the visible picker (it must be listed there).</summary>
    public async Task SelectWearerAsync()
    {
        await page.WaitUntilAsync(
            "id => [...document.querySelectorAll('[data-testid=\"wearer-select\"]')].some(s => s.checkVisibility() && [...s.options].some(o => o.value === id))",
            TimeSpan.FromSeconds(30), $"wearer {WearerId} in the wearer picker", WearerId);
        var select = await page.VisibleAsync("wearer-select");
        await select.SelectAsync(WearerId);
    }

    /// <summary>Runs a calibration from the page with the replayed wearer until its verdict shows; remembers what the page showed.</summary>
    public async Task<CalibrationSeen> CalibrateAsync()
    {
        await Once(() => _calibration is not null, async () =>
        {
            await CreateWearerAsync();
            await page.ClickAsync("tab-calibration");
            await SelectWearerAsync();
            // Replayed as fast as the machine goes, a cue may be on screen for less than a poll: record every
            // progress text the page ever shows instead of looking at the right moment.
            await page.Page.EvaluateExpressionAsync("""
                window.__e2eCueProgress = new Set();
                new MutationObserver(() => {
                  for (const e of document.querySelectorAll('[data-testid="cue-progress"]')) {
                    const text = (e.textContent ?? '').trim();
                    if (text) window.__e2eCueProgress.add(text);
                  }
                }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
                """);
            await page.ClickAsync("calibration-start");
            await page.WaitUntilAsync("() => window.__e2eCueProgress.size > 0", TimeSpan.FromSeconds(90), "the first cue's progress text");
            await page.ScreenshotAsync("calibration-cues");
            await page.WaitUntilAsync(
                "() => { const v = document.querySelector('[data-testid=\"calibration-verdict\"]'); return v && v.checkVisibility() && ['true','false'].includes(v.getAttribute('data-passed')) && v.innerText.trim().length > 0; }",
                CalibrationTimeout, "the calibration verdict");
            await page.ScreenshotAsync("calibration-verdict");
            var cues = await page.Page.EvaluateExpressionAsync<string[]>("[...window.__e2eCueProgress]");
            var report = await page.VisibleAsync("calibration-report");
            _calibration = new CalibrationSeen(
                await page.AttributeAsync("calibration-verdict", "data-passed") == "true",
                await page.TextAsync("calibration-verdict"),
                await report.EvaluateFunctionAsync<string>("a => a.getAttribute('href') ?? ''"),
                cues);
        });
        return _calibration!;
    }

    /// <summary>Runs a neurofeedback session of 10 s baseline and 60 s training from the page until its score shows.</summary>
    public async Task<FocusSeen> RunFocusSessionAsync()
    {
        await Once(() => _focus is not null, async () =>
        {
            await CreateWearerAsync();
            await page.ClickAsync("tab-focus");
            await SelectWearerAsync();
            await page.TypeAsync("baseline-seconds", "10");
            await page.TypeAsync("session-seconds", "60");
            await page.ClickAsync("focus-start");
            await page.WaitUntilAsync(
                "() => { const b = document.querySelector('[data-testid=\"focus-bar\"]'); return b && b.hasAttribute('data-score') && b.getAttribute('data-score') !== ''; }",
                TimeSpan.FromSeconds(90), "the focus bar to follow a score");
            await page.ScreenshotAsync("focus-session");
            await page.WaitUntilAsync(
                "() => { const s = document.querySelector('[data-testid=\"focus-score\"]'); return s && s.checkVisibility() && (s.getAttribute('data-score') ?? '') !== ''; }",
                FocusTimeout, "the focus session's score");
            await page.ScreenshotAsync("focus-score");
            var score = await page.AttributeAsync("focus-score", "data-score");
            _focus = new FocusSeen(double.Parse(score!, NumberStyles.Float, CultureInfo.InvariantCulture), await page.TextAsync("focus-score"));
        });
        return _focus!;
    }

    public Task<JsonElement> HistoryAsync() => page.GetJsonAsync($"/api/history?wearer={WearerId}");

    // The fixture's tests run one after another (NUnit runs a fixture's tests sequentially unless told otherwise), so a
    // flag is enough; a step that failed is tried again by the next test that needs it.
    private static async Task Once(Func<bool> done, Func<Task> step)
    {
        if (!done())
        {
            await step();
        }
    }
}

internal sealed record CalibrationSeen(bool Passed, string VerdictText, string ReportHref, IReadOnlyList<string> CueProgressTexts);

internal sealed record FocusSeen(double Score, string Text);
