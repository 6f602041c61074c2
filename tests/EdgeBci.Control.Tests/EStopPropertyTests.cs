using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The property test's seeds through the pipeline (<see cref="PropertyPipelineRig"/>) with a two-channel e-stop read by
/// the real <see cref="EStopMonitor"/> (NC+NO or NC+NC, drawn per scenario): presses with both channels opening and
/// closing within 15 ms of each other, contact bounce, and single-channel faults (stuck closed, stuck open, shorted to
/// 3V3) for a moment or a while. Edges between ticks reach the monitor as the GPIO event thread delivers them (and drop
/// the deadman, as <see cref="GpioSafetyInputs"/> does); the levels are read at each tick. Checked every tick: the
/// monitor's reading is exactly its documented rule; neutral in the tick after any channel read open; a discrepancy
/// latched only by a fault, holding the e-stop open and the supervisor disarmed until both channels read open together;
/// never anything reaching the wheels while the monitor says open.
/// </summary>
public class EStopPropertyTests
{
    private const int Scenarios = 10_000;
    private const int FirstPin = 5;
    private const int SecondPin = 6;
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(2);

    private enum ChannelFault
    {
        None,
        StuckClosed,
        StuckOpen,
        ShortedTo3V3,
    }

    private readonly record struct ContactEvent(TimeSpan At, int Channel, bool? ContactOpen, ChannelFault Fault);

    private sealed class Statistics
    {
        public long Ticks;
        public long OpenTicks;
        public int Presses;
        public int Faults;
        public int Latches;
        public int ArmsAfterLatch;
        public int OpeningsWhileArmed;
        public int NormallyOpenScenarios;
        public TimeSpan WorstOpeningToNeutral;
    }

    [Test]
    public void Ten_thousand_scenarios_with_two_channel_presses_bounce_and_channel_faults_stop_at_once_and_latch_only_on_faults()
    {
        var statistics = new Statistics();
        var elapsed = PropertySeeds.Run(Scenarios, "e-stop scenario", seed => RunScenario(seed, statistics));
        var report = string.Create(CultureInfo.InvariantCulture,
            $"{Scenarios} e-stop scenarios ({statistics.NormallyOpenScenarios} NC+NO, the rest NC+NC), {statistics.Ticks} ticks in {elapsed.TotalSeconds:0.0} s; " +
            $"{statistics.Presses} presses, {statistics.Faults} single-channel faults, {statistics.OpenTicks} ticks reading open, {statistics.OpeningsWhileArmed} openings while armed; " +
            $"{statistics.Latches} discrepancies latched, {statistics.ArmsAfterLatch} arms after one was cleared; worst opening to neutral at 100 Hz {statistics.WorstOpeningToNeutral.TotalMilliseconds:0.00} ms");
        PropertySeeds.Report(report);
        Assert.Multiple(() =>
        {
            Assert.That(statistics.Latches, Is.GreaterThan(1000), "single-channel faults latched discrepancies");
            Assert.That(statistics.ArmsAfterLatch, Is.GreaterThan(0), "armed again once both channels read open together and then closed");
            Assert.That(statistics.OpeningsWhileArmed, Is.GreaterThan(100), "e-stop openings while armed");
            Assert.That(statistics.WorstOpeningToNeutral, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(13)), "one jittered 100 Hz tick");
        });
    }

    private static void RunScenario(int seed, Statistics statistics)
    {
        using var rig = new PropertyPipelineRig(seed);
        var scenario = rig.Scenario;
        var random = scenario.Random;
        var trace = Environment.GetEnvironmentVariable("TRACE_SEED") == seed.ToString(CultureInfo.InvariantCulture);
        var normallyOpen = random.Next(2) == 0;
        statistics.NormallyOpenScenarios += normallyOpen ? 1 : 0;
        var monitor = new EStopMonitor(FirstPin, SecondPin, normallyOpen ? EStopContacts.NormallyOpen : EStopContacts.NormallyClosed, GpioSafetyInputs.EStopWindow);
        var events = MakeEvents(random, scenario.Start, scenario.Start + Length, statistics);
        var contactOpen = new bool[2];
        var faults = new ChannelFault[2];
        var levels = new[] { Level(0, false, ChannelFault.None, normallyOpen), Level(1, false, ChannelFault.None, normallyOpen) };
        var cursor = 0;
        TimeSpan? disagreeingSince = null;
        var latched = false;
        var faultInDisagreement = false;
        var latchCleared = false;
        var ticks = Math.Min(scenario.Ticks, (int)(Length / scenario.Period));
        var now = scenario.Start;
        var previousTick = rig.Now;
        for (var tick = 0; tick < ticks; tick++)
        {
            // Edges between ticks, as the GPIO driver's event thread delivers them.
            TimeSpan? firstOpening = null;
            for (; cursor < events.Count && events[cursor].At <= now; cursor++)
            {
                var change = events[cursor];
                rig.AdvanceTo(change.At);
                if (change.ContactOpen is { } open)
                {
                    contactOpen[change.Channel] = open;
                }
                else
                {
                    faults[change.Channel] = change.Fault;
                }

                var level = Level(change.Channel, contactOpen[change.Channel], faults[change.Channel], normallyOpen);
                faultInDisagreement |= faults[0] != ChannelFault.None || faults[1] != ChannelFault.None;
                if (level == levels[change.Channel])
                {
                    continue;
                }

                levels[change.Channel] = level;
                var pin = change.Channel == 0 ? FirstPin : SecondPin;
                if (monitor.OnEdge(pin, level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling))
                {
                    firstOpening ??= change.At;
                    rig.Line.Drop();
                }
            }

            rig.AdvanceTo(now);
            var wasArmed = rig.Supervisor.State is SupervisorState.Armed or SupervisorState.Active;

            // The monitor's documented rule on the levels read at this tick.
            var firstClosed = levels[0] == PinValue.High;
            var secondClosed = levels[1] == (normallyOpen ? PinValue.Low : PinValue.High);
            var newlyLatched = false;
            if (firstClosed == secondClosed)
            {
                disagreeingSince = null;
                faultInDisagreement = faults[0] != ChannelFault.None || faults[1] != ChannelFault.None;
                if (!firstClosed && latched)
                {
                    latched = false;
                    latchCleared = true;
                }
            }
            else if (disagreeingSince is not { } since)
            {
                disagreeingSince = now;
            }
            else if (!latched && now - since > GpioSafetyInputs.EStopWindow)
            {
                latched = newlyLatched = true;
            }

            var expectedClosed = firstClosed && secondClosed && !latched && firstOpening is null;
            var closed = monitor.Update(levels[0], levels[1], now);
            var output = rig.Step(closed);
            statistics.Ticks++;
            var effective = rig.Effective;
            if (trace)
            {
                TestContext.Out.WriteLine($"{now.TotalMilliseconds:0.0} levels={levels[0]},{levels[1]} faults={faults[0]},{faults[1]} opening={firstOpening} closed={closed} latched={latched} state={output.State} out={rig.Actuator.Output} effective={effective} ev={string.Join(" | ", output.Events)}");
            }

            Assert.That(closed, Is.EqualTo(expectedClosed), $"the e-stop's reading at {now} (channels {(firstClosed ? "closed" : "open")}/{(secondClosed ? "closed" : "open")}, latched {latched}, opening edge {firstOpening})");
            Assert.That(monitor.Discrepancy is not null, Is.EqualTo(latched), $"the discrepancy latch at {now}: {monitor.Discrepancy}");
            if (newlyLatched)
            {
                statistics.Latches++;
                Assert.That(faultInDisagreement, $"a discrepancy latched at {now} without a channel fault: presses and bounce stay within the window");
            }

            if (!closed)
            {
                statistics.OpenTicks++;
                Assert.That(rig.Actuator.Output.IsNeutral && effective.IsNeutral, $"{rig.Actuator.Output} at {now} while the e-stop reads open");
                Assert.That(output.State, Is.Not.AnyOf(SupervisorState.Armed, SupervisorState.Active), $"armed at {now} while the e-stop reads open");
            }

            if (firstOpening is { } opening)
            {
                statistics.OpeningsWhileArmed += wasArmed ? 1 : 0;
                if (rig.Options.TickHz == 100 && now - opening > statistics.WorstOpeningToNeutral)
                {
                    statistics.WorstOpeningToNeutral = now - opening;
                }
            }

            if (latchCleared && output.State == SupervisorState.Armed && output.Events.Any(e => e.Reason == SupervisorReason.Armed))
            {
                latchCleared = false;
                statistics.ArmsAfterLatch++;
            }

            previousTick = now;
            now = scenario.NextTick(now);
        }
    }

    /// <summary>The level a channel's line reads: high while closed on NC, low while closed on NO; a short to 3V3 reads high.</summary>
    private static PinValue Level(int channel, bool contactOpen, ChannelFault fault, bool secondNormallyOpen)
    {
        if (fault == ChannelFault.ShortedTo3V3)
        {
            return PinValue.High;
        }

        var closed = fault switch
        {
            ChannelFault.StuckClosed => true,
            ChannelFault.StuckOpen => false,
            _ => !contactOpen,
        };
        return closed != (channel == 1 && secondNormallyOpen) ? PinValue.High : PinValue.Low;
    }

    /// <summary>Presses (both contacts within 15 ms, at least 50 ms apart, each edge bouncing for up to 4 ms) and single-channel faults.</summary>
    private static List<ContactEvent> MakeEvents(Random random, TimeSpan start, TimeSpan end, Statistics statistics)
    {
        var events = new List<ContactEvent>();
        var t = start + TimeSpan.FromMilliseconds(random.Next(300, 2000));
        while (t < end)
        {
            statistics.Presses++;
            var duration = TimeSpan.FromMilliseconds(random.Next(50, 600));
            for (var channel = 0; channel < 2; channel++)
            {
                var opens = t + TimeSpan.FromMilliseconds(random.Next(0, 15));
                var closes = t + duration + TimeSpan.FromMilliseconds(random.Next(0, 15));
                AddTransition(random, events, opens, channel, open: true);
                AddTransition(random, events, closes, channel, open: false);
            }

            t += duration + TimeSpan.FromMilliseconds(random.Next(300, 1500));
        }

        var faultCount = random.Next(3);
        for (var i = 0; i < faultCount; i++)
        {
            statistics.Faults++;
            var from = start + TimeSpan.FromMilliseconds(random.Next((int)(end - start).TotalMilliseconds));
            var length = TimeSpan.FromMilliseconds(random.Next(3) == 0 ? random.Next(2, 15) : random.Next(30, 500));
            var channel = random.Next(2);
            events.Add(new ContactEvent(from, channel, null, (ChannelFault)random.Next(1, 4)));
            events.Add(new ContactEvent(from + length, channel, null, ChannelFault.None));
        }

        events.Sort((a, b) => a.At.CompareTo(b.At));
        return events;
    }

    private static void AddTransition(Random random, List<ContactEvent> events, TimeSpan at, int channel, bool open)
    {
        events.Add(new ContactEvent(at, channel, open, ChannelFault.None));
        if (random.Next(2) == 0)
        {
            events.Add(new ContactEvent(at + TimeSpan.FromMilliseconds(1 + random.NextDouble()), channel, !open, ChannelFault.None));
            events.Add(new ContactEvent(at + TimeSpan.FromMilliseconds(2 + (2 * random.NextDouble())), channel, open, ChannelFault.None));
        }
    }
}
