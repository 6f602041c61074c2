using System.Device.Gpio;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Deadman;
using EdgeBci.Control.Supervision;
using EdgeBci.Control.Tests.Fakes;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The pipeline drives the actuator's deadman line: toggled every step while motion is permitted, dropped (clear line
/// low, no further edges) on every STOP, on exceptions and while disarmed.
/// </summary>
public class DeadmanPipelineTests
{
    private const int Pulse = 17;
    private const int Clear = 27;

    private sealed class Rig
    {
        public Rig(TimeSpan? deadmanTimeout = null, ControlOptions? options = null)
        {
            Bench = new Bench(options, (o, time) =>
            {
                Chair = new SimulatedWheelchair(o, time);
                Stalling = new MidStepStall(Chair, (Microsoft.Extensions.Time.Testing.FakeTimeProvider)time);
                Line = new DeadmanLine(new GpioController(Gpio), Pulse, Clear, deadmanTimeout ?? TimeSpan.FromMilliseconds(100), time);
                return new DeadmanGuardedActuator(Stalling, Line);
            });
        }

        /// <summary>The chair, behind a wrapper that can let time pass inside its Apply (a process stopped mid-step).</summary>
        public MidStepStall Stalling { get; private set; } = null!;

        public Bench Bench { get; }

        public FakeGpioDriver Gpio { get; } = new();

        public SimulatedWheelchair Chair { get; private set; } = null!;

        public DeadmanLine Line { get; private set; } = null!;

        public int PulseWrites => Gpio.Writes.Count(w => w.Pin == Pulse);

        /// <summary>Steps once and returns the line writes of that step.</summary>
        public (SupervisorOutput Output, List<(int Pin, PinValue Value)> Writes) Step()
        {
            var before = Gpio.Writes.Count;
            var output = Bench.Tick();
            return (output, Gpio.Writes[before..]);
        }

        /// <summary>Steps until the first SafeStop; that step's output and writes, then a second of steps after it.</summary>
        public (SupervisorOutput Output, List<(int Pin, PinValue Value)> Writes, int PulsesAfter) StepUntilStop()
        {
            for (var i = 0; i < 200; i++)
            {
                var (output, writes) = Step();
                if (output.State == SupervisorState.SafeStop)
                {
                    var pulses = PulseWrites;
                    Bench.RunFor(TimeSpan.FromSeconds(1));
                    return (output, writes, PulseWrites - pulses);
                }
            }

            throw new AssertionException($"no STOP within 2 s: {string.Join(" | ", Bench.Events)}");
        }
    }

    [Test]
    public void The_pipeline_finds_the_line_of_a_guarded_actuator_and_none_on_a_bare_one()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new Rig().Bench.Pipeline!.Deadman, Is.Not.Null);
            Assert.That(new Bench(null, (o, time) => new SimulatedWheelchair(o, time)).Pipeline!.Deadman, Is.Null);
        });
    }

    [Test]
    public void Nothing_toggles_while_disarmed_and_the_enable_stays_off()
    {
        var rig = new Rig();
        rig.Gpio.Writes.Clear();
        rig.Bench.RunFor(TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(rig.Bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(rig.Gpio.Writes, Is.Empty);
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Line.Holding, Is.False);
        });
    }

    [Test]
    public void The_line_toggles_every_step_while_armed_and_while_active_and_the_clear_line_is_released()
    {
        var rig = new Rig();
        rig.Bench.ArmAndMove();
        rig.Gpio.Writes.Clear();
        var steps = 0;
        for (; steps < 50; steps++)
        {
            var (output, writes) = rig.Step();
            Assert.That(output.State, Is.EqualTo(SupervisorState.Active));
            Assert.That(writes, Has.Count.EqualTo(1).And.All.Matches<(int Pin, PinValue Value)>(w => w.Pin == Pulse), $"one edge in step {steps}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.High));
            Assert.That(rig.Gpio.Writes.Select(w => w.Value).Distinct().Count(), Is.EqualTo(2), "alternating levels");
            Assert.That(rig.Line.LastToggle, Is.EqualTo(rig.Bench.Now - rig.Bench.Period));
        });
    }

    [TestCase(SupervisorReason.EStopOpen)]
    [TestCase(SupervisorReason.FrameTimeout)]
    [TestCase(SupervisorReason.DecoderFault)]
    [TestCase(SupervisorReason.LocalStop)]
    [TestCase(SupervisorReason.RemoteStop)]
    [TestCase(SupervisorReason.PipelineException)]
    [TestCase(SupervisorReason.ActuatorFault)]
    public void Every_STOP_drops_the_enable_in_its_own_step_and_no_edge_follows(SupervisorReason reason)
    {
        var rig = new Rig();
        rig.Bench.ArmAndMove();
        var world = rig.Bench.World;
        switch (reason)
        {
            case SupervisorReason.EStopOpen:
                world.EStopClosed = false;
                break;
            case SupervisorReason.FrameTimeout:
                world.FramesStopAt = rig.Bench.Now;
                break;
            case SupervisorReason.DecoderFault:
                world.DecoderHealthy = false;
                break;
            case SupervisorReason.LocalStop:
                world.Request(RequestKind.Stop, RequestOrigin.LocalCli);
                break;
            case SupervisorReason.RemoteStop:
                world.Request(RequestKind.Stop, RequestOrigin.Remote);
                break;
            case SupervisorReason.PipelineException:
                world.PipelineFaults = 1;
                break;
            default:
                rig.Chair.Faults.ThrowOnApply = true;
                break;
        }

        var (output, writes, pulsesAfter) = rig.StepUntilStop();
        Assert.Multiple(() =>
        {
            Assert.That(rig.Bench.Supervisor.LatchedReason, Is.EqualTo(reason));
            Assert.That(output.Command.IsNeutral);
            Assert.That(writes, Does.Contain((Clear, PinValue.Low)), "the clear line went low in the STOP's step");
            Assert.That(writes.Where(w => w.Pin == Pulse).Select(w => w.Value), Has.None.EqualTo(PinValue.High), "no rising edge in it");
            Assert.That(pulsesAfter, Is.Zero, "no edge for a second after it");
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Line.Holding, Is.False);
        });
    }

    [Test]
    public void FailSafe_from_outside_a_step_drops_the_enable_before_the_supervisor_hears_of_it()
    {
        var rig = new Rig();
        rig.Bench.ArmAndMove();
        var output = rig.Bench.Pipeline!.FailSafe(rig.Bench.Now, SupervisorReason.PipelineException, "the decoder thread threw");
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Line.Toggle(), Is.EqualTo(DeadmanToggle.Held), "held off until a step has seen the STOP");
        });
    }

    [Test]
    public void A_deadman_line_that_throws_is_an_actuator_fault_neutral_and_latched()
    {
        var rig = new Rig();
        rig.Bench.ArmAndMove();
        rig.Gpio.FailNextWrites = 1;
        var (output, _) = rig.Step();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Select(e => e.Message), Has.Some.Contains("the deadman line threw IOException"));
            Assert.That(rig.Chair.Command.IsNeutral);
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low), "dropped by the fail-safe");
        });
    }

    [Test]
    public void A_stall_longer_than_the_circuit_timeout_latches_on_resume_and_the_enable_is_not_brought_back()
    {
        // The circuit's 60 ms run out before the chair's own 100 ms heartbeat watchdog.
        var rig = new Rig(TimeSpan.FromMilliseconds(60));
        rig.Bench.ArmAndMove();
        rig.Bench.Stall(TimeSpan.FromMilliseconds(70));
        Assert.That(rig.Chair.Command.IsNeutral, Is.False, "the heartbeat watchdog has not tripped yet");
        var (output, writes) = rig.Step();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(rig.Bench.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.ActuatorWatchdog));
            Assert.That(output.Events.Select(e => e.Message), Has.Some.Contains("the deadman line had no rising edge for"));
            Assert.That(writes, Does.Contain((Clear, PinValue.Low)));
            Assert.That(writes, Does.Not.Contain((Pulse, PinValue.High)));
        });
    }

    [Test]
    public void The_stall_is_timed_from_the_last_rising_edge_which_the_circuit_counts_from_not_from_the_last_toggle()
    {
        var rig = new Rig(TimeSpan.FromMilliseconds(60));
        rig.Bench.ArmAndMove();
        if (rig.Gpio.Level(Pulse) == PinValue.High)
        {
            rig.Step();
        }

        // The last step lowered the line; the rising edge before it was one tick earlier.
        var lastRising = rig.Line.LastRisingEdge!.Value;
        Assert.That(rig.Line.LastToggle!.Value - lastRising, Is.EqualTo(rig.Bench.Period));
        rig.Bench.Stall(TimeSpan.FromMilliseconds(45));
        var (output, writes) = rig.Step();
        Assert.Multiple(() =>
        {
            Assert.That(rig.Bench.Now - rig.Bench.Period - lastRising, Is.EqualTo(TimeSpan.FromMilliseconds(65)), "55 ms after the last toggle, 65 ms after the last rising edge");
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(rig.Bench.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.ActuatorWatchdog));
            Assert.That(writes, Does.Not.Contain((Pulse, PinValue.High)), "no edge that would bring the enable back");
        });
    }

    [Test]
    public void A_stop_in_the_middle_of_a_step_does_not_retrigger_a_circuit_that_timed_out_meanwhile()
    {
        var rig = new Rig(TimeSpan.FromMilliseconds(60));
        rig.Bench.ArmAndMove();
        rig.Stalling.NextApplyTakes = TimeSpan.FromMilliseconds(90);
        var (output, writes) = rig.Step();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(rig.Bench.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.ActuatorWatchdog));
            Assert.That(output.Events.Select(e => e.Message), Has.Some.Contains("ran out while the step was under way"));
            Assert.That(writes, Does.Not.Contain((Pulse, PinValue.High)), "the stale step sent no rising edge");
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Chair.Command.IsNeutral, "and drove the chair neutral");
        });
    }

    [Test]
    public void A_drop_from_another_thread_while_active_keeps_the_enable_off_until_the_supervisor_stops_and_is_armed_again()
    {
        var rig = new Rig();
        rig.Bench.ArmAndMove();
        Task.Run(rig.Line.Drop).Wait(TimeSpan.FromSeconds(10));
        var pulses = rig.PulseWrites;
        rig.Bench.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Multiple(() =>
        {
            Assert.That(rig.Bench.Supervisor.State, Is.EqualTo(SupervisorState.Active), "the supervisor has not heard of it");
            Assert.That(rig.PulseWrites, Is.EqualTo(pulses), "but no edge reaches the circuit");
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low));
        });

        rig.Bench.World.Request(RequestKind.Stop, RequestOrigin.LocalButton);
        rig.Bench.RunFor(TimeSpan.FromMilliseconds(100));
        rig.Bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        rig.Bench.World.ClassName = "rest";
        rig.Bench.RunUntil(output => output.State == SupervisorState.Armed, TimeSpan.FromSeconds(1));
        rig.Bench.RunFor(TimeSpan.FromMilliseconds(50));
        Assert.Multiple(() =>
        {
            Assert.That(rig.PulseWrites, Is.GreaterThan(pulses), "toggling again once re-armed");
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.High));
        });
    }

    [Test]
    public void Switch_off_drops_the_enable()
    {
        var rig = new Rig();
        rig.Bench.ArmAndMove();
        rig.Bench.Pipeline!.Shutdown(rig.Bench.Now);
        Assert.Multiple(() =>
        {
            Assert.That(rig.Gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Gpio.Level(Pulse), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Chair.Command.IsNeutral);
        });
    }

    /// <summary>An actuator whose next Apply lets the fake clock run on, as a process stopped inside it would see.</summary>
    private sealed class MidStepStall(IActuator inner, Microsoft.Extensions.Time.Testing.FakeTimeProvider time) : IActuator
    {
        public TimeSpan? NextApplyTakes { get; set; }

        public string Kind => inner.Kind;

        public TimeSpan? Acknowledged => inner.Acknowledged;

        public bool WatchdogTripped => inner.WatchdogTripped;

        public ActuatorCommand Output => inner.Output;

        public void Apply(ActuatorCommand command)
        {
            inner.Apply(command);
            if (NextApplyTakes is { } stall)
            {
                NextApplyTakes = null;
                time.Advance(stall);
            }
        }

        public void Neutral() => inner.Neutral();

        public void Heartbeat() => inner.Heartbeat();

        public void Dispose() => inner.Dispose();
    }

    private static SupervisorOutput Output(SupervisorState state, ActuatorCommand command, params SupervisorReason[] events) =>
        new(TimeSpan.Zero, state, command, null, [.. events.Select(reason => new SupervisorEvent(TimeSpan.Zero, SupervisorState.Active, state, reason, reason.ToString()))]);

    [Test]
    public void Motion_is_permitted_while_armed_or_active_or_while_a_command_ramps_down_never_in_a_STOP()
    {
        var moving = ActuatorCommand.Motion(0.3, 0);
        Assert.Multiple(() =>
        {
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Armed, ActuatorCommand.Neutral)), Is.True);
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Active, moving)), Is.True);
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Disarmed, moving)), Is.True, "a controlled ramp-down after a disarm");
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Disarmed, ActuatorCommand.Neutral)), Is.False);
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Boot, ActuatorCommand.Neutral)), Is.False);
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.SafeStop, moving)), Is.False);
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Armed, moving, SupervisorReason.EStopOpen)), Is.False, "a step whose events latch a STOP");
            Assert.That(ControlPipeline.MotionPermitted(Output(SupervisorState.Armed, ActuatorCommand.Neutral, SupervisorReason.IntentStop)), Is.True, "an intent stop is not a STOP");
        });
    }
}
