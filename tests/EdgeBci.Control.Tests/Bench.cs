using EdgeBci.Control.Actuators;
using EdgeBci.Control.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

/// <summary>
/// A healthy unit as a function of time, with switches to break each part: frames every 4 ms (250 SPS), a decision
/// every hop 30 ms after its window, eight good channels, e-stop closed, a verified model, a healthy decoder, an
/// actuator acknowledging every tick. <see cref="At"/> must be called with increasing times.
/// </summary>
public sealed class World
{
    private readonly TimeSpan _hop;
    private readonly List<OperatorRequest> _requests = [];
    private long _decisionIndex = -1;
    private IntentDecision? _decision;

    public World(ControlOptions options)
    {
        _hop = TimeSpan.FromMilliseconds(options.HopMs);
    }

    public static readonly TimeSpan FramePeriod = TimeSpan.FromMilliseconds(4);

    public TimeSpan? FramesStopAt { get; set; }

    public TimeSpan? DecisionsStopAt { get; set; }

    /// <summary>How far behind its arrival a decision's window ends.</summary>
    public TimeSpan DecisionLag { get; set; } = TimeSpan.FromMilliseconds(30);

    public string ClassName { get; set; } = "rest";

    public double Confidence { get; set; } = 0.95;

    public double Evidence { get; set; } = 0.95;

    public bool EStopClosed { get; set; } = true;

    public bool Inhibit { get; set; }

    public bool ModelVerified { get; set; } = true;

    public string? ModelIdentity { get; set; } = "bench-model v1";

    public bool DecoderHealthy { get; set; } = true;

    public double? Focus { get; set; } = 0.9;

    public ChannelState[] Channels { get; set; } = [.. new[] { "FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz" }.Select(name => new ChannelState(name, true))];

    public TimeSpan? AckStopsAt { get; set; }

    public long PipelineFaults { get; set; }

    /// <summary>Arrival time of the latest decision handed out.</summary>
    public TimeSpan? LastDecisionReceived => _decision?.ReceivedAt;

    public TimeSpan LastFrameAt(TimeSpan now)
    {
        var last = TimeSpan.FromTicks(now.Ticks / FramePeriod.Ticks * FramePeriod.Ticks);
        return FramesStopAt is { } stop && last > stop ? TimeSpan.FromTicks(stop.Ticks / FramePeriod.Ticks * FramePeriod.Ticks) : last;
    }

    public void Request(RequestKind kind, RequestOrigin origin, string? caller = null) => _requests.Add(new OperatorRequest(kind, origin, caller));

    public void SetChannel(int index, ChannelState state) => Channels = [.. Channels.Select((channel, i) => i == index ? state : channel)];

    public SupervisorInputs At(TimeSpan now)
    {
        // Decision k arrives at k·hop + 30 ms; its content is the world's intent when it arrives.
        var latest = (now - TimeSpan.FromMilliseconds(30)).Ticks / _hop.Ticks;
        if (DecisionsStopAt is { } stop)
        {
            latest = Math.Min(latest, (stop - TimeSpan.FromMilliseconds(30)).Ticks / _hop.Ticks);
        }

        if (latest > _decisionIndex)
        {
            _decisionIndex = latest;
            var received = TimeSpan.FromTicks(latest * _hop.Ticks) + TimeSpan.FromMilliseconds(30);
            _decision = new IntentDecision(ClassName, Confidence, Evidence, latest * 1000, received - DecisionLag, received);
        }

        var requests = _requests.ToArray();
        _requests.Clear();
        return new SupervisorInputs
        {
            LastFrameTime = LastFrameAt(now),
            LastDecision = _decision,
            Channels = Channels,
            EStopClosed = EStopClosed,
            InhibitTripped = Inhibit,
            ModelVerified = ModelVerified,
            ModelIdentity = ModelIdentity,
            DecoderHealthy = DecoderHealthy,
            Focus = Focus,
            ActuatorAcknowledged = AckStopsAt is { } ackStop && ackStop < now ? ackStop : now,
            Requests = requests,
            PipelineFaults = PipelineFaults,
            LastPipelineFault = PipelineFaults > 0 ? "simulated pipeline exception" : null,
        };
    }
}

/// <summary>The supervisor ticked at its own rate over a <see cref="World"/>, with exact times.</summary>
public sealed class Bench
{
    /// <param name="options">Control options (defaults when null).</param>
    /// <param name="actuator">
    /// When given, ticks go through a <see cref="ControlPipeline"/> to this actuator, on a fake clock that reads
    /// exactly the bench's time.
    /// </param>
    public Bench(ControlOptions? options = null, Func<ControlOptions, TimeProvider, IActuator>? actuator = null)
    {
        Options = options ?? new ControlOptions();
        Supervisor = new SafetySupervisor(Options);
        World = new World(Options);
        Now = TimeSpan.FromSeconds(10);
        Period = Options.TickPeriod;
        if (actuator is not null)
        {
            Time = new FakeTimeProvider(new DateTimeOffset(Now.Ticks, TimeSpan.Zero));
            Actuator = actuator(Options, Time);
            Pipeline = new ControlPipeline(Supervisor, Actuator);
        }
    }

    public FakeTimeProvider? Time { get; }

    public IActuator? Actuator { get; }

    public ControlPipeline? Pipeline { get; }

    public ControlOptions Options { get; }

    public SafetySupervisor Supervisor { get; }

    public World World { get; }

    public TimeSpan Period { get; }

    public TimeSpan Now { get; private set; }

    public SupervisorOutput? Last { get; private set; }

    public List<SupervisorEvent> Events { get; } = [];

    public List<SupervisorOutput> Outputs { get; } = [];

    /// <summary>What the last tick observed.</summary>
    public SupervisorInputs? LastInputs { get; private set; }

    public SupervisorOutput Tick()
    {
        LastInputs = World.At(Now);
        if (Time is not null)
        {
            Time.Advance(Now - Time.MonotonicNow());
            Last = Pipeline!.Step(Now, LastInputs);
        }
        else
        {
            Last = Supervisor.Tick(Now, LastInputs);
        }

        Events.AddRange(Last.Events);
        Outputs.Add(Last);
        Now += Period;
        return Last;
    }

    /// <summary>Time passes without a tick (a stalled loop); the fake clock's timers fire.</summary>
    public void Stall(TimeSpan duration)
    {
        Now += duration;
        Time?.Advance(Now - Time.MonotonicNow());
    }

    public void RunFor(TimeSpan duration)
    {
        var end = Now + duration;
        while (Now < end)
        {
            Tick();
        }
    }

    /// <summary>Ticks until <paramref name="condition"/> holds; the output and the time of that tick.</summary>
    public (SupervisorOutput Output, TimeSpan Time) RunUntil(Func<SupervisorOutput, bool> condition, TimeSpan limit)
    {
        var end = Now + limit;
        while (Now < end)
        {
            var time = Now;
            var output = Tick();
            if (condition(output))
            {
                return (output, time);
            }
        }

        throw new AssertionException($"condition not met within {limit.TotalMilliseconds} ms; state {Supervisor.State}, events: {string.Join(" | ", Events)}");
    }

    /// <summary>Boot, arm with the button while resting, then hold <paramref name="className"/> until moving.</summary>
    public SupervisorOutput ArmAndMove(string className = "feet")
    {
        World.ClassName = "rest";
        Tick();
        Assert.That(Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
        RunFor(TimeSpan.FromMilliseconds(300));
        World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        Tick();
        Assert.That(Supervisor.State, Is.EqualTo(SupervisorState.Armed), string.Join(" | ", Events));
        RunFor(TimeSpan.FromMilliseconds(300));
        World.ClassName = className;
        RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
        RunFor(TimeSpan.FromMilliseconds(400));
        Assert.That(Last!.Command.IsNeutral, Is.False);
        return Last;
    }

    /// <summary>The first tick from now on whose output is neutral: its time.</summary>
    public TimeSpan TimeToNeutral(TimeSpan limit) => RunUntil(output => output.Command.IsNeutral, limit).Time;
}
