using System.Device.Gpio;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Emulation;
using EdgeBci.Control.Deadman;
using EdgeBci.Control.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

/// <summary>
/// One seeded <see cref="PropertyScenario"/> run through the whole <see cref="ControlPipeline"/> as on the unit: the real
/// differential-drive driver on the emulated actuator board, held by a <see cref="DeadmanLine"/> on the board's emulated
/// gpiochip whose writes feed a <see cref="DeadmanCircuit"/> model, all on one fake clock. The world (decisions, frame
/// and decoder outages, arm/stop/disarm requests) comes from the scenario; the e-stop reading is the caller's, so the
/// deadman and e-stop property tests share it. After each <see cref="Step"/>, <see cref="Preconditions"/> holds every
/// STOP-rule precondition that was false, from the inputs alone.
/// </summary>
internal sealed class PropertyPipelineRig : IDisposable
{
    public const int PulseLine = 40;
    public const int ClearLine = 41;

    // BoardDeadman's range (EdgeBci.Acquisition): the enable must be gone within 100 ms of the last pulse.
    private const int ShortestDeadmanMs = 20;
    private const int LongestDeadmanMs = 100;

    private readonly List<OperatorRequest> _requests = [];
    private readonly ChannelState[] _channels;
    private bool _decoderHealthy = true;
    private int _decisionCursor = -1;
    private bool _hasDecision;
    private long _lastIndex;
    private TimeSpan _lastNewDecision;

    public PropertyPipelineRig(int seed)
    {
        Scenario = new PropertyScenario(seed);
        Options = Scenario.Options;
        Options.Actuator = ActuatorKinds.DifferentialDrive;

        // Arming through the confirming button is PropertyTests' subject; here every local arm request is honoured.
        Options.ArmButtonPin = -1;
        var periodMs = Scenario.Period.TotalMilliseconds;

        // Two jittered ticks (up to +30 % each) lie between rising edges: a shorter timeout would lapse in normal running.
        var shortest = Math.Max(ShortestDeadmanMs, (int)Math.Ceiling(2.6 * periodMs) + 1);
        var draw = Random.NextDouble();
        DeadmanTimeout = TimeSpan.FromMilliseconds(draw < 0.3 ? shortest : draw < 0.6 ? LongestDeadmanMs : Random.Next(shortest, LongestDeadmanMs + 1));
        Time = new FakeTimeProvider(new DateTimeOffset(Scenario.Start.Ticks, TimeSpan.Zero) - Scenario.Period);
        Buses = new EmulatedActuatorBuses(Options);
        Circuit = new DeadmanCircuit(DeadmanTimeout);
        Buses.Gpio.Subscribe(OnLineWritten);
        var driver = ActuatorFactory.Create(Options, Time, Buses);
        Line = new DeadmanLine(Buses.OpenGpio(), PulseLine, ClearLine, DeadmanTimeout, Time);
        Actuator = new DeadmanGuardedActuator(driver, Line);
        Supervisor = new SafetySupervisor(Options);
        Pipeline = new ControlPipeline(Supervisor, Actuator);
        _channels = [.. PropertyScenario.ChannelNames.Select(name => new ChannelState(name, true))];
    }

    public PropertyScenario Scenario { get; }

    public Random Random => Scenario.Random;

    public ControlOptions Options { get; }

    public TimeSpan DeadmanTimeout { get; }

    public FakeTimeProvider Time { get; }

    public EmulatedActuatorBuses Buses { get; }

    public DeadmanCircuit Circuit { get; }

    public DeadmanLine Line { get; }

    public DeadmanGuardedActuator Actuator { get; }

    public SafetySupervisor Supervisor { get; }

    public ControlPipeline Pipeline { get; }

    /// <summary>The STOP-rule preconditions that were false in the last step.</summary>
    public List<SupervisorReason> Preconditions { get; } = [];

    /// <summary>Since when the pulse line is broken (its pull-down holds B low; writes no longer reach it), or null.</summary>
    public TimeSpan? PulseBrokenAt { get; private set; }

    /// <summary>Control-clock now: the fake clock the pipeline, the line and the drivers read.</summary>
    public TimeSpan Now => Time.MonotonicNow();

    /// <summary>Moves the fake clock on to <paramref name="time"/> (timers, such as the heartbeat watchdog, fire on the way).</summary>
    public void AdvanceTo(TimeSpan time)
    {
        var now = Now;
        if (time > now)
        {
            Time.Advance(time - now);
        }
    }

    /// <summary>The pulse line breaks now: hardware/deadman.md's 10 kΩ pull-down holds the '123's B input low.</summary>
    public void BreakPulseLine()
    {
        PulseBrokenAt = Now;
        Circuit.SetPulse(Now, high: false);
    }

    /// <summary>The circuit's enable now.</summary>
    public bool Enabled => Circuit.Evaluate(Now);

    /// <summary>What reaches the wheels: the driver's output while the circuit enables it, neutral otherwise.</summary>
    public ActuatorCommand Effective => Enabled ? Actuator.Output : ActuatorCommand.Neutral;

    /// <summary>One control step at the fake clock's now with the world's inputs and <paramref name="eStopClosed"/>.</summary>
    public SupervisorOutput Step(bool eStopClosed)
    {
        var now = Now;
        if (Scenario.Fault(0.0008) && _decoderHealthy)
        {
            _decoderHealthy = false;
        }
        else if (!_decoderHealthy && Scenario.Chance(0.05))
        {
            _decoderHealthy = true;
        }

        _requests.Clear();
        Scenario.AddRequest(_requests, 0.03, RequestKind.Arm, RequestOrigin.LocalButton);
        Scenario.AddRequest(_requests, 0.002, RequestKind.Disarm, RequestOrigin.LocalCli);
        Scenario.AddRequest(_requests, 0.002, RequestKind.Stop, RequestOrigin.LocalCli);
        Scenario.AddRequest(_requests, 0.001, RequestKind.Stop, RequestOrigin.Remote);
        while (_decisionCursor + 1 < Scenario.Decisions.Count && Scenario.Decisions[_decisionCursor + 1].ReceivedAt <= now)
        {
            _decisionCursor++;
        }

        var decision = _decisionCursor >= 0 ? Scenario.Decisions[_decisionCursor] : null;
        var lastFrame = Scenario.LastFrame(now);
        var ackBefore = Actuator.Acknowledged;
        var output = Pipeline.Step(now, new SupervisorInputs
        {
            LastFrameTime = lastFrame,
            LastDecision = decision,
            Channels = _channels,
            EStopClosed = eStopClosed,
            ModelVerified = true,
            ModelIdentity = "scenario-model v1",
            DecoderHealthy = _decoderHealthy,
            Focus = Options.RequireFocus ? 1.0 : null,
            Requests = _requests,
        });

        if (decision is not null && (!_hasDecision || decision.SampleIndex != _lastIndex))
        {
            _hasDecision = true;
            _lastIndex = decision.SampleIndex;
            _lastNewDecision = decision.ReceivedAt;
        }

        // The STOP-rule preconditions this world can break, as PropertyTests states them.
        Preconditions.Clear();
        if (!eStopClosed)
        {
            Preconditions.Add(SupervisorReason.EStopOpen);
        }

        if (now - lastFrame > Options.FrameTimeout)
        {
            Preconditions.Add(SupervisorReason.FrameTimeout);
        }

        if (!_decoderHealthy)
        {
            Preconditions.Add(SupervisorReason.DecoderFault);
        }

        if (decision is null || now - _lastNewDecision > Options.DecisionTimeout)
        {
            Preconditions.Add(SupervisorReason.DecisionTimeout);
        }

        if (decision is not null && now - decision.DataTime > Options.DecisionMaxAge)
        {
            Preconditions.Add(SupervisorReason.DecisionStale);
        }

        if (ackBefore is not { } ack || now - ack > Options.ActuatorAckTimeout)
        {
            Preconditions.Add(SupervisorReason.ActuatorNoAck);
        }

        return output;
    }

    public void Dispose() => Actuator.Dispose();

    private void OnLineWritten(GpioLineWrite write)
    {
        // Called on the writing thread, inside the write: the fake clock's now is the write's time.
        if (write.Line == PulseLine && PulseBrokenAt is null)
        {
            Circuit.SetPulse(Now, write.Value == PinValue.High);
        }
        else if (write.Line == ClearLine)
        {
            Circuit.SetClear(Now, write.Value == PinValue.High);
        }
    }
}
