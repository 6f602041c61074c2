using System.Diagnostics;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>The 100 Hz loop on the real clock, fed the way the firmware will feed it (threads reporting into <see cref="ControlInputs"/>).</summary>
public class LoopTests
{
    private sealed class LiveUnit : IDisposable
    {
        private readonly Thread _feeder;
        private volatile bool _stop;
        private long _neutralSinceTick;

        public LiveUnit(Func<SupervisorInputs>? inputs = null)
        {
            // The real clock on a loaded 2-core CI machine: the feeder thread can be late by tens of milliseconds, so the
            // timeouts are the widest the options allow; their bounds are proven on a fake clock (StopRuleTests).
            Options = new ControlOptions { FrameTimeoutMs = 50, HopMs = 200, DecisionMaxAgeMs = 1000, DwellMs = 400, ActuatorAckTimeoutMs = 1000, HeartbeatTimeoutMs = 1000 };
            Chair = new SimulatedWheelchair(Options, TimeProvider.System);
            Pipeline = new ControlPipeline(new SafetySupervisor(Options), Chair);
            Inputs.ReportChannels([new("C3", true), new("C4", true)]);
            Inputs.SetEStopClosed(true);
            Inputs.SetModelVerified(true);
            Inputs.SetModel("loop-test v1");
            Inputs.SetInhibit(false);
            Inputs.SetDecoderHealthy(true);
            _feeder = new Thread(Feed) { IsBackground = true };
            _feeder.Start();
            Loop = new SupervisorLoop(Pipeline, inputs ?? Inputs.Snapshot, TimeProvider.System, output =>
            {
                lock (Events)
                {
                    Events.AddRange(output.Events);
                }

                // The observer runs on the loop thread right after the tick counted itself: Ticks is this tick's number.
                if (!output.Command.IsNeutral)
                {
                    Interlocked.Exchange(ref _neutralSinceTick, 0);
                }
                else if (Interlocked.Read(ref _neutralSinceTick) == 0)
                {
                    Interlocked.Exchange(ref _neutralSinceTick, Loop!.Ticks);
                }
            });
            Loop.Start();
        }

        public ControlOptions Options { get; }

        public ControlInputs Inputs { get; } = new();

        public SimulatedWheelchair Chair { get; }

        public ControlPipeline Pipeline { get; }

        public SupervisorLoop Loop { get; }

        public List<SupervisorEvent> Events { get; } = [];

        /// <summary>The number of the tick whose output went neutral after a moving one (0 while moving).</summary>
        public long NeutralSinceTick => Interlocked.Read(ref _neutralSinceTick);

        public volatile string ClassName = "rest";

        /// <summary>
        /// Arms and decodes <paramref name="className"/> until the chair moves. A stop the machine's own stalls cause
        /// (a late frame or decision, a late tick) is the supervisor doing its job, not the subject of these tests: the intent is
        /// released, and the unit re-armed, up to five times.
        /// </summary>
        public void ArmAndDrive(RequestOrigin origin, string className)
        {
            for (var attempt = 1; ; attempt++)
            {
                ClassName = "rest";
                Thread.Sleep(120);
                Inputs.Request(new OperatorRequest(RequestKind.Arm, origin));
                WaitFor(() => Pipeline.Supervisor.State is SupervisorState.Armed or SupervisorState.SafeStop, TimeSpan.FromSeconds(5));
                Thread.Sleep(150);
                ClassName = className;
                WaitFor(() => !Chair.Command.IsNeutral || Pipeline.Supervisor.State == SupervisorState.SafeStop, TimeSpan.FromSeconds(5));
                if (!Chair.Command.IsNeutral && Pipeline.Supervisor.State == SupervisorState.Active)
                {
                    return;
                }

                if (attempt == 5 || !IsStallStop(Pipeline.Supervisor.LatchedReason))
                {
                    lock (Events)
                    {
                        throw new AssertionException($"the chair did not move after {attempt} attempts; events: {string.Join(" | ", Events)}");
                    }
                }
            }
        }

        public void WaitFor(Func<bool> condition, TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > limit)
                {
                    lock (Events)
                    {
                        throw new AssertionException($"not within {limit.TotalSeconds} s; events: {string.Join(" | ", Events)}");
                    }
                }

                Thread.Sleep(1);
            }
        }

        public void Dispose()
        {
            Loop.Dispose();
            _stop = true;
            _feeder.Join();
            Chair.Dispose();
        }

        private void Feed()
        {
            long sample = 0;
            var nextDecision = TimeSpan.Zero;
            while (!_stop)
            {
                var now = TimeProvider.System.MonotonicNow();
                Inputs.ReportFrame(now);
                if (now >= nextDecision)
                {
                    Inputs.ReportDecision(new IntentDecision(ClassName, 0.95, 0.95, sample += 12, now - TimeSpan.FromMilliseconds(5), now));
                    nextDecision = now + TimeSpan.FromMilliseconds(Options.HopMs);
                }

                Thread.Sleep(2);
            }
        }
    }

    /// <summary>Stops a stall of the feeder or the loop thread causes (a loaded machine), not the code under test.</summary>
    private static bool IsStallStop(SupervisorReason? reason) => reason is SupervisorReason.FrameTimeout or SupervisorReason.DecisionTimeout
        or SupervisorReason.DecisionStale or SupervisorReason.ActuatorNoAck or SupervisorReason.ActuatorWatchdog;

    [Test]
    public void On_the_real_clock_an_open_e_stop_centres_the_chair_within_a_tick_or_two()
    {
        using var unit = new LiveUnit();
        for (var attempt = 1; ; attempt++)
        {
            unit.ArmAndDrive(RequestOrigin.LocalButton, "feet");

            // Counted in ticks, not milliseconds: a tick that completed before the e-stop opened cannot have seen it, a
            // tick in flight may have read its inputs just before, and the one after that must see it.
            var ticksBefore = unit.Loop.Ticks;
            var clock = Stopwatch.StartNew();
            unit.Inputs.SetEStopClosed(false);
            var ticksAfter = unit.Loop.Ticks;
            unit.WaitFor(() => unit.Chair.Command.IsNeutral, TimeSpan.FromSeconds(5));
            var latency = clock.Elapsed;
            var reason = unit.Pipeline.Supervisor.LatchedReason;
            TestContext.Out.WriteLine($"real clock: e-stop → neutral in {latency.TotalMilliseconds:0.0} ms (goal one 10 ms tick: the `control` benchmark); " +
                $"opened between ticks {ticksBefore} and {ticksAfter}, neutral at tick {unit.NeutralSinceTick}; longest tick interval {unit.Loop.MaxInterval.TotalMilliseconds:0.0} ms; latched {reason}");
            if (attempt < 5 && IsStallStop(reason))
            {
                // The machine stalled the feeder and the supervisor stopped for that first: the race under test did
                // not happen. Close the e-stop and run it again.
                unit.Inputs.SetEStopClosed(true);
                continue;
            }

            Assert.Multiple(() =>
            {
                Assert.That(reason, Is.EqualTo(SupervisorReason.EStopOpen));
                Assert.That(unit.NeutralSinceTick, Is.InRange(ticksBefore + 1, ticksAfter + 2), "neutral at the first tick that read the open e-stop");
            });
            return;
        }
    }

    [Test]
    public void Disposing_the_loop_is_switch_off_and_leaves_the_chair_neutral()
    {
        var unit = new LiveUnit();
        unit.ArmAndDrive(RequestOrigin.LocalCli, "feet");
        var ticks = unit.Loop.Ticks;
        unit.Loop.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(unit.Chair.Command.IsNeutral);
            Assert.That(unit.Pipeline.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(unit.Loop.Last!.Events.Single().Reason, Is.EqualTo(SupervisorReason.Shutdown));
            Assert.That(ticks, Is.GreaterThan(10));
        });
        unit.Dispose();
    }

    [Test]
    public void An_exception_while_gathering_inputs_is_a_stop_not_the_end_of_the_loop()
    {
        var throwNow = 0;
        ControlInputs? inputs = null;
        using var unit = new LiveUnit(() => Volatile.Read(ref throwNow) == 1 ? throw new InvalidOperationException("input stage broke") : inputs!.Snapshot());
        inputs = unit.Inputs;
        Thread.Sleep(100);
        unit.Inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalButton));
        unit.WaitFor(() => unit.Pipeline.Supervisor.State == SupervisorState.Armed, TimeSpan.FromSeconds(5));
        Volatile.Write(ref throwNow, 1);
        unit.WaitFor(() => unit.Pipeline.Supervisor.State == SupervisorState.SafeStop, TimeSpan.FromSeconds(5));
        var ticks = unit.Loop.Ticks;
        Thread.Sleep(100);
        Assert.Multiple(() =>
        {
            Assert.That(unit.Pipeline.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.PipelineException));
            Assert.That(unit.Loop.Ticks, Is.GreaterThan(ticks), "the loop keeps ticking");
            Assert.That(unit.Chair.Command.IsNeutral);
        });
        lock (unit.Events)
        {
            Assert.That(unit.Events.Any(e => e.Message.Contains("input stage broke", StringComparison.Ordinal)));
        }
    }

    [Test]
    public void A_pipeline_fault_reported_from_another_thread_stops_at_the_next_tick()
    {
        using var unit = new LiveUnit();
        Thread.Sleep(100);
        unit.Inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalButton));
        unit.WaitFor(() => unit.Pipeline.Supervisor.State == SupervisorState.Armed, TimeSpan.FromSeconds(5));
        unit.Inputs.ReportPipelineFault("decoder thread: IndexOutOfRangeException");
        unit.WaitFor(() => unit.Pipeline.Supervisor.State == SupervisorState.SafeStop, TimeSpan.FromSeconds(5));
        Assert.That(unit.Pipeline.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.PipelineException));
    }
}
