using EdgeBci.Web.Store;
using EdgeBci.Firmware;
using EdgeBci.Web.Seams;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Firmware.Tests.Camp;

/// <summary>
/// The neurofeedback job on a fake clock with a scripted focus index: baseline then session, the score stored, the
/// threshold adapted between sessions, cancelled and signal-less sessions. The baseline script cycles 0.30, 0.35, ...,
/// 0.50 (range 0.30..0.50), so with the first session's threshold 0.5 the zone is 0.40..0.60.
/// </summary>
public class NeurofeedbackJobTests
{
    private const double Hop = 0.25;
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_session_after_its_baseline_scores_time_in_zone_over_usable_time_and_is_saved()
    {
        var rig = new Rig();
        // 15 s in the zone, then 5 s below it.
        var outcome = await rig.Run("run-1", baselineSeconds: 10, sessionSeconds: 20, session: t => t <= 15 ? 0.45 : 0.35);

        Assert.That(outcome.State, Is.EqualTo("completed"), outcome.Detail);
        Assert.That(outcome.RecordId, Is.EqualTo("run-1"));
        Assert.That(outcome.Detail, Does.StartWith("75 % of the time in the target zone (15 s of 20 s)"));
        var saved = rig.History.Sessions.Single();
        Assert.Multiple(() =>
        {
            Assert.That(saved.Id, Is.EqualTo("run-1"));
            Assert.That(saved.WearerId, Is.EqualTo(Rig.Wearer));
            Assert.That(saved.Completed, Is.True);
            Assert.That(saved.Started, Is.EqualTo(Rig.Start));
            Assert.That(saved.Finished, Is.EqualTo(Rig.Start.AddSeconds(30)));
            Assert.That(saved.BaselineLow, Is.EqualTo(0.30).Within(1e-9));
            Assert.That(saved.BaselineHigh, Is.EqualTo(0.50).Within(1e-9));
            Assert.That(saved.TargetLow, Is.EqualTo(0.40).Within(1e-9));
            Assert.That(saved.TargetHigh, Is.EqualTo(0.60).Within(1e-9));
            Assert.That(saved.Seconds, Is.EqualTo(20));
            Assert.That(saved.SecondsInZone, Is.EqualTo(15));
            Assert.That(saved.Score, Is.EqualTo(0.75));
            Assert.That(saved.NextTargetLow, Is.EqualTo(0.42).Within(1e-9), "75 % > 70 %: the threshold goes from 0.5 to 0.6 of the range");
        });
    }

    [Test]
    public async Task It_publishes_every_sample_four_times_a_second_with_the_zone_then_the_end_with_the_score()
    {
        var rig = new Rig();
        await rig.Run("run-1", baselineSeconds: 10, sessionSeconds: 20, session: t => t <= 15 ? 0.45 : 0.35);

        var focus = rig.Events.Where(e => e.Type == "focus").Select(e => (FocusEventData)e.Data).ToList();
        var baseline = focus.Where(f => f.Phase == "baseline").ToList();
        var session = focus.Where(f => f.Phase == "session").ToList();
        Assert.That(baseline, Has.Count.EqualTo(40));
        Assert.That(session, Has.Count.EqualTo(80));
        Assert.That(baseline.Select(f => f.Elapsed), Is.EqualTo(Enumerable.Range(1, 40).Select(i => i * Hop)));
        Assert.That(baseline.All(f => f.TargetLow is null && f.BaselineLow is null && !f.InZone && f.Duration == 10 && f.Ready), Is.True);
        Assert.That(session.Select(f => f.Elapsed), Is.EqualTo(Enumerable.Range(1, 80).Select(i => i * Hop)));
        Assert.That(session.All(f => f.TargetLow == 0.4 && f.TargetHigh == 0.6 && f.Duration == 20), Is.True);
        Assert.That(session.All(f => f.BaselineLow == 0.3 && f.BaselineHigh == 0.5), Is.True, "the wearer's range the page scales the bar to");
        Assert.That(session.Select(f => f.InZone), Is.EqualTo(Enumerable.Range(1, 80).Select(i => i * Hop <= 15)));
        Assert.That(session[^1].SecondsInZone, Is.EqualTo(15));
        var ended = (FocusEndedData)rig.Events[^1].Data;
        Assert.That(rig.Events[^1].Type, Is.EqualTo("ended"));
        Assert.That(ended, Is.EqualTo(new FocusEndedData("neurofeedback", "completed", ended.Detail, "run-1", 0.75)));
    }

    [Test]
    public async Task A_wearer_who_improves_gets_a_higher_threshold_next_time_and_one_who_struggles_a_lower_one()
    {
        var rig = new Rig();
        await rig.Run("easy", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.45);
        var second = await rig.Run("hard", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.41);

        var sessions = rig.History.Sessions;
        Assert.That(sessions[0].Score, Is.EqualTo(1));
        Assert.That(sessions[1].TargetLow, Is.EqualTo(0.42).Within(1e-9), "the second session starts at 0.6 of the range");
        Assert.That(sessions[1].Score, Is.Zero, "0.41 was in the first zone, not in the raised one");
        Assert.That(sessions[1].NextTargetLow, Is.EqualTo(0.40).Within(1e-9), "0 % < 40 %: back to 0.5 of the range");
        Assert.That(second.Detail, Does.Contain("the next session's threshold goes down: 0.50"));
    }

    [Test]
    public async Task The_threshold_is_carried_as_a_place_in_the_range_so_a_new_baseline_moves_the_zone_with_it()
    {
        var rig = new Rig();
        await rig.Run("first", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.45);
        // The next day the wearer's whole range sits 0.1 higher (0.40..0.60): the zone starts at 0.6 of that range.
        await rig.Run("second", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.5, baselineOffset: 0.1);

        Assert.That(rig.History.Sessions[1].TargetLow, Is.EqualTo(0.52).Within(1e-9));
    }

    [Test]
    public async Task A_session_cancelled_past_the_baseline_is_saved_as_not_completed_and_leaves_the_threshold()
    {
        var rig = new Rig();
        var outcome = await rig.Run("cut", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.45, cancelAfterSeconds: 15);

        Assert.That(outcome.State, Is.EqualTo("cancelled"));
        Assert.That(outcome.Detail, Does.StartWith("cancelled after 5 s: 100 % of the time in the target zone"));
        var saved = rig.History.Sessions.Single();
        Assert.That(saved.Completed, Is.False);
        Assert.That(saved.Seconds, Is.EqualTo(5));
        Assert.That(saved.Score, Is.EqualTo(1));
        Assert.That(saved.NextTargetLow, Is.EqualTo(0.40).Within(1e-9), "100 % in zone, but a cancelled session does not move the threshold");
        Assert.That(((FocusEndedData)rig.Events[^1].Data).State, Is.EqualTo("cancelled"));

        await rig.Run("after", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.45);
        Assert.That(rig.History.Sessions[1].TargetLow, Is.EqualTo(0.40).Within(1e-9));
    }

    [Test]
    public async Task A_session_cancelled_during_the_baseline_saves_nothing()
    {
        var rig = new Rig();
        var outcome = await rig.Run("early", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.45, cancelAfterSeconds: 4);

        Assert.That(outcome, Is.EqualTo(new CampRunOutcome("cancelled", "cancelled during the baseline: nothing saved")));
        Assert.That(rig.History.Sessions, Is.Empty);
    }

    [Test]
    public async Task A_focus_index_never_ready_fails_with_no_usable_focus_signal_and_saves_nothing()
    {
        var rig = new Rig();
        var outcome = await rig.Run("dead", baselineSeconds: 10, sessionSeconds: 20, session: _ => null, baseline: _ => null);

        Assert.That(outcome.State, Is.EqualTo("failed"));
        Assert.That(outcome.Detail, Does.StartWith("no usable focus signal"));
        Assert.That(outcome.RecordId, Is.Null);
        Assert.That(rig.History.Sessions, Is.Empty);
        Assert.That(rig.Events.Count(e => e.Type == "focus"), Is.EqualTo(40), "it stops after the refused baseline");
        Assert.That(rig.Events.Where(e => e.Type == "focus").All(e => ((FocusEventData)e.Data) is { Ready: false, Score: null }), Is.True);
        Assert.That(((FocusEndedData)rig.Events[^1].Data).State, Is.EqualTo("failed"));
    }

    [Test]
    public async Task A_signal_lost_after_the_baseline_fails_the_session_and_keeps_the_threshold()
    {
        var rig = new Rig();
        var outcome = await rig.Run("lost", baselineSeconds: 10, sessionSeconds: 20, session: _ => double.NaN);

        Assert.That(outcome.State, Is.EqualTo("failed"));
        Assert.That(outcome.Detail, Does.StartWith("no usable focus signal during the session (20 s)"));
        var saved = rig.History.Sessions.Single();
        Assert.That(saved.Completed, Is.False);
        Assert.That(saved.Seconds, Is.Zero);
        Assert.That(saved.NextTargetLow, Is.EqualTo(0.40).Within(1e-9));
    }

    [Test]
    public async Task Gaps_without_a_ready_index_are_left_out_of_the_score_and_reported()
    {
        var rig = new Rig();
        var outcome = await rig.Run("gappy", baselineSeconds: 10, sessionSeconds: 20, session: t => t is > 5 and <= 9 ? null : t <= 11 ? 0.45 : 0.35);

        var saved = rig.History.Sessions.Single();
        Assert.That(saved.Seconds, Is.EqualTo(16));
        Assert.That(saved.SecondsInZone, Is.EqualTo(7));
        Assert.That(saved.Score, Is.EqualTo(7.0 / 16));
        Assert.That(outcome.Detail, Does.Contain("(7 s of 16 s); 4 s without a usable signal left out"));
    }

    [Test]
    public async Task A_store_that_cannot_save_gives_a_failed_run_naming_why()
    {
        var rig = new Rig { History = { FailSaving = true } };
        var outcome = await rig.Run("unsaved", baselineSeconds: 10, sessionSeconds: 20, session: _ => 0.45);

        Assert.That(outcome, Is.EqualTo(new CampRunOutcome("failed", "the session ran but could not be saved: disk full")));
        Assert.That(((FocusEndedData)rig.Events[^1].Data).FocusSessionId, Is.Null);
    }

    [Test]
    public void Durations_that_are_not_a_positive_number_of_seconds_are_named()
    {
        var rig = new Rig();
        var job = rig.Job();

        var error = Assert.Throws<ArgumentException>(() => job.RunAsync("r", Rig.Wearer, new NeurofeedbackRequest(10, 0), _ => { }, CancellationToken.None))!;
        Assert.That(error.Message, Does.StartWith("sessionSeconds is 0"));
        Assert.Throws<ArgumentException>(() => job.RunAsync("r", Rig.Wearer, new NeurofeedbackRequest(double.NaN, 60), _ => { }, CancellationToken.None));
    }

    /// <summary>A fake clock, an in-memory history, and a driver that ticks the clock one hop at a time.</summary>
    private sealed class Rig
    {
        public const string Wearer = "w01";
        public static readonly DateTimeOffset Start = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

        private readonly Lock _gate = new();
        private readonly List<CampEvent> _events = [];
        private readonly SemaphoreSlim _published = new(0);
        private bool _ended;

        public FakeTimeProvider Time { get; } = new(Start);

        public MemoryHistory History { get; init; } = new();

        public IReadOnlyList<CampEvent> Events
        {
            get
            {
                lock (_gate)
                {
                    return [.. _events];
                }
            }
        }

        private Func<double?> ReadFocus { get; set; } = () => null;

        public NeurofeedbackJob Job() => new(() => ReadFocus(), History, Time, NullLogger<NeurofeedbackJob>.Instance);

        /// <param name="session">The focus index by seconds into the session.</param>
        /// <param name="baseline">By seconds into the baseline; default cycles 0.30..0.50 in 0.05 steps.</param>
        /// <param name="cancelAfterSeconds">Cancels once the clock is this far into the run.</param>
        public async Task<CampRunOutcome> Run(string runId, double baselineSeconds, double sessionSeconds, Func<double, double?> session,
            Func<double, double?>? baseline = null, double? cancelAfterSeconds = null, double baselineOffset = 0)
        {
            baseline ??= t => baselineOffset + 0.30 + (0.05 * ((int)Math.Round(t / Hop) % 5));
            var runStart = Time.GetUtcNow();
            ReadFocus = () =>
            {
                var t = (Time.GetUtcNow() - runStart).TotalSeconds;
                return t <= baselineSeconds ? baseline(t) : session(t - baselineSeconds);
            };
            lock (_gate)
            {
                _events.Clear();
                _ended = false;
            }

            // The last run's end was published beside its last sample: forget it, or a tick would be taken for one.
            while (_published.Wait(0))
            {
            }

            using var cancel = new CancellationTokenSource();
            var run = Job().RunAsync(runId, Wearer, new NeurofeedbackRequest(baselineSeconds, sessionSeconds), Publish, cancel.Token);
            var ticks = (int)Math.Round((baselineSeconds + sessionSeconds) / Hop);
            for (var tick = 0; tick < ticks && !Ended(); tick++)
            {
                if (cancelAfterSeconds is { } limit && tick * Hop >= limit)
                {
                    await cancel.CancelAsync();
                    break;
                }

                Time.Advance(TimeSpan.FromSeconds(Hop));
                Assert.That(await _published.WaitAsync(WaitLimit), Is.True, $"the job published nothing after tick {tick + 1}");
            }

            return await run.WaitAsync(WaitLimit);
        }

        private bool Ended()
        {
            lock (_gate)
            {
                return _ended;
            }
        }

        private void Publish(CampEvent campEvent)
        {
            lock (_gate)
            {
                _events.Add(campEvent);
                _ended |= campEvent.Type == "ended";
            }

            _published.Release();
        }
    }

    private sealed class MemoryHistory : IFocusSessionHistory
    {
        public List<FocusSessionRecord> Sessions { get; } = [];

        public bool FailSaving { get; set; }

        public FocusSessionRecord? LatestForWearer(string wearerId) => Sessions.LastOrDefault(s => s.WearerId == wearerId);

        public void Save(FocusSessionRecord session)
        {
            if (FailSaving)
            {
                throw new IOException("disk full");
            }

            Sessions.Add(session);
        }
    }
}
