using EdgeBci.Firmware;
using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests.Release;

public sealed class TrialHealthServiceTests
{
    private const int Hold = 60;
    private const int Deadline = 300;

    [Test]
    public void A_trial_healthy_for_the_hold_writes_good_and_publishes_the_commit_once()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        var (service, firmware, time, events, stop) = Create(scratch.Path, "b");

        Assert.That(service.Begin(CancellationToken.None), Is.True);
        var progress = RunSeconds(service, firmware, time, Hold + 1);

        Assert.That(progress, Is.EqualTo(TrialProgress.Committed));
        Assert.That(GoodMark.ReadIfPresent(scratch.Path), Is.EqualTo(new GoodMark("b", "0.2.0", time.GetUtcNow().AddTicks(-time.GetUtcNow().Ticks % TimeSpan.TicksPerSecond))));
        Assert.That(ReleaseStatus.Read(scratch.Path).Condition, Is.EqualTo(ReleaseCondition.Committed));
        Assert.That(HealthRecord.ReadIfPresent(scratch.Path)!.Healthy, Is.True);
        Assert.That(events.Published, Has.Count.EqualTo(1));
        Assert.That(events.Published[0].Message, Is.EqualTo("release committed: 0.2.0 in slot b"));
        Assert.That(events.Published[0].Severity, Is.EqualTo("info"));
        Assert.That(stop.ExitCode, Is.Null, "a committed trial runs on");
    }

    [Test]
    public void A_trial_not_healthy_by_the_deadline_writes_the_reason_and_stops_with_exit_code_7()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        var (service, firmware, time, events, stop) = Create(scratch.Path, "b");
        firmware.UplinkConnected = false;

        Assert.That(service.Begin(CancellationToken.None), Is.True);
        Assert.That(RunSeconds(service, firmware, time, Deadline - 1), Is.EqualTo(TrialProgress.Watching));
        Assert.That(stop.ExitCode, Is.Null, "not before the deadline");
        Assert.That(RunSeconds(service, firmware, time, 1), Is.EqualTo(TrialProgress.Unhealthy));

        Assert.That(stop.ExitCode, Is.EqualTo(7));
        Assert.That(HealthRecord.ReadIfPresent(scratch.Path), Is.EqualTo(new HealthRecord(time.GetUtcNow(), false, "uplink: not connected to the broker")));
        Assert.That(GoodMark.ReadIfPresent(scratch.Path), Is.Null);
        Assert.That(events.Published, Is.Empty);
    }

    [Test]
    public void Healthy_too_late_for_the_hold_still_fails_the_start_and_says_what_was_wrong_before()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        var (service, firmware, time, _, stop) = Create(scratch.Path, "b");

        Assert.That(service.Begin(CancellationToken.None), Is.True);
        RunSeconds(service, firmware, time, Deadline - 30, framesPerSecond: 100);
        Assert.That(RunSeconds(service, firmware, time, 30), Is.EqualTo(TrialProgress.Unhealthy));

        Assert.That(stop.ExitCode, Is.EqualTo(7));
        Assert.That(HealthRecord.ReadIfPresent(scratch.Path)!.Reason,
            Does.StartWith("not healthy for 60 s within 300 s of start (healthy for 29 s of 60 s; before that: acquisition: 100 frames/s of 250 configured"));
    }

    [Test]
    public void The_self_test_runs_every_few_seconds_not_every_second()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        var (service, firmware, time, _, _) = Create(scratch.Path, "b");

        service.Begin(CancellationToken.None);
        RunSeconds(service, firmware, time, 30);

        Assert.That(firmware.SelfTestsRun, Is.InRange(5, 7));
    }

    [Test]
    public void A_failing_self_test_keeps_the_trial_from_committing()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        var (service, firmware, time, _, stop) = Create(scratch.Path, "b");
        firmware.SelfTest = new TrialSelfTest(false, "self-test FAILED: supervisor fail (not ticking)");

        service.Begin(CancellationToken.None);
        RunSeconds(service, firmware, time, Deadline);

        Assert.That(stop.ExitCode, Is.EqualTo(7));
        Assert.That(HealthRecord.ReadIfPresent(scratch.Path)!.Reason, Is.EqualTo("self-test FAILED: supervisor fail (not ticking)"));
    }

    [TestCase("committed", "b", "b", TestName = "a committed release")]
    [TestCase("trial", "a", "b", TestName = "a trial of the other slot")]
    [TestCase("trial", "b", null, TestName = "a firmware outside any slot")]
    [TestCase(null, "b", "b", TestName = "no state at all")]
    public void Nothing_is_watched_unless_the_state_says_trial_of_the_slot_this_firmware_runs_from(string? state, string stateSlot, string? runningSlot)
    {
        using var scratch = new ScratchFolder("trial");
        if (state is not null)
        {
            WriteState(scratch.Path, state, stateSlot);
        }

        var (service, firmware, time, events, stop) = Create(scratch.Path, runningSlot);

        Assert.That(service.Begin(CancellationToken.None), Is.False);
        Assert.That(firmware.SelfTestsRun, Is.Zero);
        Assert.That(Directory.GetFiles(scratch.Path).Select(Path.GetFileName), Is.EquivalentTo(state is null ? Array.Empty<string>() : ["state"]));
        Assert.That((events.Published.Count, stop.ExitCode), Is.EqualTo((0, (int?)null)));
    }

    [Test]
    public void A_trial_already_marked_good_is_not_watched_again()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        new GoodMark("b", "0.2.0", DateTimeOffset.UnixEpoch).Write(scratch.Path);
        var (service, _, _, _, _) = Create(scratch.Path, "b");

        Assert.That(service.Begin(CancellationToken.None), Is.False);
    }

    [Test]
    public async Task The_hosted_service_commits_on_its_own_timer()
    {
        using var scratch = new ScratchFolder("trial");
        WriteState(scratch.Path, "trial", "b");
        var release = new FirmwareRelease(new ReleaseOptions { StateFolder = scratch.Path, HealthHoldSeconds = 1, HealthDeadlineSeconds = 120 }, new RunningSlot("b", scratch.Path));
        var firmware = new StreamingMeasurements();
        var events = new RecordedEvents();
        using var service = new TrialHealthService(release, firmware, events, new RecordedStop(), TimeProvider.System, NullLogger<TrialHealthService>.Instance);

        await service.StartAsync(CancellationToken.None);
        var finished = await Task.WhenAny(service.ExecuteTask!, Task.Delay(TimeSpan.FromSeconds(60)));
        await service.StopAsync(CancellationToken.None);

        Assert.That(finished, Is.SameAs(service.ExecuteTask), "the service ends once the trial is committed");
        Assert.That(GoodMark.ReadIfPresent(scratch.Path)?.Slot, Is.EqualTo("b"));
    }

    private static TrialProgress RunSeconds(TrialHealthService service, FakeMeasurements firmware, ManualTime time, int seconds, int framesPerSecond = 250)
    {
        var progress = TrialProgress.Watching;
        for (var second = 0; second < seconds && progress == TrialProgress.Watching; second++)
        {
            firmware.RunSecond(framesPerSecond);
            time.Advance(TimeSpan.FromSeconds(1));
            progress = service.Tick();
        }

        return progress;
    }

    private static (TrialHealthService Service, FakeMeasurements Firmware, ManualTime Time, RecordedEvents Events, RecordedStop Stop) Create(string folder, string? runningSlot)
    {
        var release = new FirmwareRelease(new ReleaseOptions { StateFolder = folder, HealthHoldSeconds = Hold, HealthDeadlineSeconds = Deadline },
            runningSlot is null ? null : new RunningSlot(runningSlot, Path.Combine(folder, "slots", runningSlot)));
        var (firmware, time, events, stop) = (new FakeMeasurements(), new ManualTime(), new RecordedEvents(), new RecordedStop());
        return (new TrialHealthService(release, firmware, events, stop, time, NullLogger<TrialHealthService>.Instance), firmware, time, events, stop);
    }

    private static void WriteState(string folder, string state, string slot) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.State),
        [
            new("state", state), new("slot", slot), new("version", "0.2.0"), new("previous_slot", slot == "a" ? "b" : "a"), new("previous_version", "0.1.0"),
            new("starts", "1"), new("max_starts", "3"), new("trial_since", "2026-12-06T16:00:00Z"), new("a_version", "0.1.0"), new("b_version", "0.2.0"),
        ]);

    /// <summary>Frames and decisions that advance with the real clock, for the service run on its own timer.</summary>
    private sealed class StreamingMeasurements : ITrialMeasurements
    {
        private readonly long _started = TimeProvider.System.GetTimestamp();

        public int ConfiguredFrameRate => 250;

        public bool ModelConfigured => true;

        public bool BrokerConfigured => false;

        public long Frames => (long)(TimeProvider.System.GetElapsedTime(_started).TotalSeconds * 250);

        public long Decisions => (long)(TimeProvider.System.GetElapsedTime(_started).TotalSeconds * 4);

        public bool UplinkConnected => false;

        public Task<TrialSelfTest> RunSelfTestAsync(CancellationToken cancellationToken) => Task.FromResult(new TrialSelfTest(true, "self-test passed"));
    }
}
