using System.Diagnostics;
using System.Globalization;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The property test's seeds through the whole pipeline with the deadman circuit (<see cref="PropertyPipelineRig"/>),
/// with deadman faults at random times: the loop stalling for longer than the circuit's timeout, a
/// <see cref="Deadman.DeadmanLine.Drop"/> between ticks (as the e-stop's edge thread does) and a broken pulse line.
/// Checked every tick: the enable on only while motion is permitted and every precondition holds; after a stall the
/// enable off and SafeStop (ActuatorWatchdog) latched before any new rising edge; after a drop the enable off until the
/// supervisor has stopped and been armed again; with the pulse line broken the enable off within the timeout; what
/// reaches the wheels (the driver's output while enabled, neutral otherwise) never non-neutral while a precondition is false.
/// </summary>
public class DeadmanPropertyTests
{
    private const int Scenarios = 10_000;
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(2.5);

    private sealed class Statistics
    {
        public long Ticks;
        public long EnabledTicks;
        public long MovingTicks;
        public int MovingScenarios;
        public int Stalls;
        public int Drops;
        public int Breaks;
        public int RearmsAfterDrop;
        public TimeSpan WorstStallToEnableOff;
        public TimeSpan WorstBreakToEnableOff;
        public TimeSpan LongestStall;
    }

    [Test]
    public void Ten_thousand_scenarios_with_stalls_drops_and_broken_pulse_lines_never_enable_motion_without_every_precondition()
    {
        var statistics = new Statistics();
        var elapsed = PropertySeeds.Run(Scenarios, "deadman scenario", seed => RunScenario(seed, statistics));
        var report = string.Create(CultureInfo.InvariantCulture,
            $"{Scenarios} deadman scenarios, {statistics.Ticks} ticks in {elapsed.TotalSeconds:0.0} s; enable on {statistics.EnabledTicks} ticks, " +
            $"{statistics.MovingTicks} ticks moving the wheels in {statistics.MovingScenarios} scenarios; faults while the enable was held: {statistics.Stalls} stalls " +
            $"(longest {statistics.LongestStall.TotalMilliseconds:0} ms, enable off at worst {statistics.WorstStallToEnableOff.TotalMilliseconds:0.0} ms after the last tick), " +
            $"{statistics.Drops} drops between ticks (enable off at once, {statistics.RearmsAfterDrop} re-armed after), {statistics.Breaks} broken pulse lines " +
            $"(enable off at worst {statistics.WorstBreakToEnableOff.TotalMilliseconds:0.0} ms after the break)");
        PropertySeeds.Report(report);
        Assert.Multiple(() =>
        {
            Assert.That(statistics.MovingScenarios, Is.GreaterThan(400), "the scenarios must actually drive for the property to mean anything");
            Assert.That(statistics.MovingTicks, Is.GreaterThan(10_000), "ticks with the wheels driven");
            Assert.That(statistics.Stalls, Is.GreaterThan(200), "stalls while the enable was held");
            Assert.That(statistics.Drops, Is.GreaterThan(200), "drops while the enable was held");
            Assert.That(statistics.Breaks, Is.GreaterThan(200), "pulse lines broken while the enable was held");
            Assert.That(statistics.RearmsAfterDrop, Is.GreaterThan(0), "the enable came back after a drop once stopped and re-armed");
        });
    }

    private static void RunScenario(int seed, Statistics statistics)
    {
        using var rig = new PropertyPipelineRig(seed);
        var scenario = rig.Scenario;
        var trace = Environment.GetEnvironmentVariable("TRACE_SEED") == seed.ToString(CultureInfo.InvariantCulture);
        var timeout = rig.DeadmanTimeout;
        var ticks = Math.Min(scenario.Ticks, (int)(Length / scenario.Period));
        var previousTick = rig.Now;
        var now = scenario.Start;
        var dropHeld = false;
        var awaitingRearm = false;
        var moved = false;
        var eStopClosed = true;
        TimeSpan eStopOpened = default;
        for (var tick = 0; tick < ticks; tick++)
        {
            var interval = now - previousTick;
            var heldUntil = rig.Circuit.EnabledUntil;

            // Between ticks, at a random moment: a drop from another thread, or the pulse line breaking.
            rig.AdvanceTo(previousTick + TimeSpan.FromTicks((long)(scenario.Random.NextDouble() * interval.Ticks) + 1));
            if (scenario.Fault(0.002))
            {
                var holding = rig.Line.Holding;
                rig.Line.Drop();
                Assert.That(rig.Enabled, Is.False, $"the enable is off at once after a drop at {rig.Now}");
                dropHeld = true;
                statistics.Drops += holding ? 1 : 0;
            }

            if (rig.PulseBrokenAt is null && scenario.Fault(0.0015))
            {
                var enabledUntil = rig.Circuit.Evaluate(rig.Now) ? rig.Circuit.EnabledUntil : null;
                rig.BreakPulseLine();
                if (enabledUntil is { } until)
                {
                    statistics.Breaks++;
                    Assert.That(until - rig.Now, Is.LessThanOrEqualTo(timeout), "a trigger holds the enable for at most the timeout");
                    statistics.WorstBreakToEnableOff = Max(statistics.WorstBreakToEnableOff, until - rig.Now);
                }
            }

            scenario.Flip(ref eStopClosed, 0.0015, 0.05, ref eStopOpened, () => rig.Now, badWhen: false);
            rig.AdvanceTo(now);
            var lastRising = rig.Line.LastRisingEdge;
            var triggers = rig.Circuit.Triggers;
            var stalled = interval > timeout && lastRising is not null;
            if (stalled)
            {
                // The circuit needs no code to run: the enable went off during the stall.
                Assert.That(rig.Enabled, Is.False, $"the enable is off after a {interval.TotalMilliseconds:0} ms stall (timeout {timeout.TotalMilliseconds:0} ms)");
                statistics.Stalls++;
                statistics.LongestStall = Max(statistics.LongestStall, interval);
                if (heldUntil is { } until)
                {
                    statistics.WorstStallToEnableOff = Max(statistics.WorstStallToEnableOff, until - previousTick);
                }
            }

            var output = rig.Step(eStopClosed);
            statistics.Ticks++;
            var enabled = rig.Enabled;
            var effective = rig.Effective;
            if (trace)
            {
                TestContext.Out.WriteLine($"{now.TotalMilliseconds:0.0} state={output.State} out={rig.Actuator.Output} enable={enabled} effective={effective} pre={string.Join(",", rig.Preconditions)} dropHeld={dropHeld} broken={rig.PulseBrokenAt} ev={string.Join(" | ", output.Events)}");
            }

            if (enabled)
            {
                statistics.EnabledTicks++;
                Assert.That(ControlPipeline.MotionPermitted(output), $"the enable is on at {now} although motion is not permitted ({output.State}, {output.Command})");
                Assert.That(rig.Preconditions, Is.Empty, $"the enable is on at {now} while a precondition is false");
            }

            if (!effective.IsNeutral)
            {
                statistics.MovingTicks++;
                moved = true;
                Assert.That(rig.Preconditions, Is.Empty, $"{effective} reaches the wheels at {now} while a precondition is false");
            }

            if (stalled)
            {
                Assert.Multiple(() =>
                {
                    // Latched in this step (a local disarm in the same step may then leave SafeStop for Disarmed).
                    Assert.That(output.Events.Any(e => e.Reason == SupervisorReason.ActuatorWatchdog && e.To == SupervisorState.SafeStop),
                        $"a stall of {interval.TotalMilliseconds:0} ms latches SafeStop (ActuatorWatchdog) at {now}: {string.Join(" | ", output.Events)}");
                    Assert.That(output.State, Is.Not.AnyOf(SupervisorState.Armed, SupervisorState.Active));
                    Assert.That(rig.Circuit.Triggers, Is.EqualTo(triggers), "no rising edge before the latch");
                });
            }

            if (dropHeld)
            {
                Assert.That(enabled, Is.False, $"the enable came back at {now} after a drop before the supervisor stopped");
                if (!ControlPipeline.MotionPermitted(output))
                {
                    dropHeld = false;
                    awaitingRearm = true;
                }
            }
            else if (awaitingRearm && enabled)
            {
                awaitingRearm = false;
                statistics.RearmsAfterDrop++;
                Assert.That(output.State, Is.AnyOf(SupervisorState.Armed, SupervisorState.Active), "the enable comes back only once armed again");
            }

            if (rig.PulseBrokenAt is { } broken && now >= broken + timeout)
            {
                Assert.That(enabled, Is.False, $"the enable is on at {now}, {(now - broken).TotalMilliseconds:0} ms after the pulse line broke");
            }

            previousTick = now;

            // A stall: the loop away for longer than the circuit's timeout, up to twice it.
            now = scenario.Fault(0.002) ? now + timeout + TimeSpan.FromMilliseconds(1 + scenario.Random.Next((int)timeout.TotalMilliseconds)) : scenario.NextTick(now);
        }

        if (moved)
        {
            statistics.MovingScenarios++;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
