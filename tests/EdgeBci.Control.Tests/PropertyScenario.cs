using EdgeBci.Control.Actuators;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// One seeded scenario's world for <see cref="PropertyTests"/>: options drawn at the edges of their valid ranges as
/// often as in between, the decision stream, frame and decoder outages, and the rates at which faults, requests and
/// model swaps happen (per second of control time, whatever the tick rate).
/// </summary>
internal sealed class PropertyScenario
{
    public static readonly string[] ChannelNames = ["C3", "C4", "Cz", "Pz"];
    private static readonly string[] Classes = ["feet", "left", "right", "rest", "tongue", "noise"];

    public PropertyScenario(int seed)
    {
        Random = new Random(seed);
        var random = Random;
        var hop = random.Next(5) switch { 0 or 1 => 100, 2 => 150, _ => 250 };
        Options = new ControlOptions
        {
            HopMs = hop,
            TickHz = Pick(random, (0.10, 50), (0.02, 1000), (1, 100)),
            FrameTimeoutMs = Pick(random, (0.12, 2), (0.12, 50), (1, 20)),
            DwellMs = random.NextDouble() < 0.5 ? 2 * hop : (2 * hop) + random.Next(0, 200),
            MinConfidence = random.NextDouble() < 0.7 ? 0.5 : 0.5 + (0.3 * random.NextDouble()),
            EvidenceThreshold = random.NextDouble() < 0.3 ? 0.7 : 0.7 + (0.2 * random.NextDouble()),
            DecisionMaxAgeMs = Pick(random, (0.06, hop), (0.12, 1000), (1, hop + random.Next(50, 300))),
            MaxSpeed = 0.3 + (0.7 * random.NextDouble()),
            InhibitMode = random.Next(2) == 0 ? InhibitModes.AllowTurn : InhibitModes.StopAll,
            RequireFocus = random.Next(4) == 0,
            RequiredChannels = random.Next(2) == 0 ? [] : ["C3", "C4"],
            ArmButtonPin = random.NextDouble() < 0.4 ? 17 : -1,
            Policy = new(StringComparer.OrdinalIgnoreCase)
            {
                ["feet"] = IntentCommands.Forward,
                ["left"] = IntentCommands.TurnLeft,
                ["right"] = IntentCommands.TurnRight,
                ["rest"] = IntentCommands.Stop,
                ["tongue"] = IntentCommands.Backward,
            },
        };
        Options.MaxReverseSpeed = Options.MaxSpeed * random.NextDouble();
        Period = Options.TickPeriod;
        RateScale = Period.TotalMilliseconds / 10;

        // Calm scenarios move for long stretches between faults; stormy ones hit many rules in a short time.
        Faultiness = random.NextDouble() < 0.5 ? 0.15 : 1;

        // The ADS1299 at 250 SPS gives a frame every 4 ms; a 2 ms frame timeout needs a faster rate (1000 SPS).
        FramePeriod = Options.FrameTimeoutMs < 4 ? TimeSpan.FromMilliseconds(1) : World.FramePeriod;

        // Long enough to arm, move and stop; some scenarios outlast the arm button's 10 s window.
        // A long scenario asks to arm from the CLI early only and rarely presses the button: its windows expire.
        var outlastsWindow = Options.TickHz == 100 && Options.ArmButtonPin >= 0 && random.NextDouble() < 0.1;
        var seconds = Options.TickHz >= 1000 ? 1 + (0.5 * random.NextDouble())
            : outlastsWindow ? 10.5 + random.NextDouble()
            : (Options.TickHz < 100 ? 2 : 1) * (2.0 + (2.6 * random.NextDouble()));
        Ticks = (int)(seconds / Period.TotalSeconds);
        ButtonRate = outlastsWindow ? 0.0002 : random.NextDouble() < 0.3 ? 0.003 : 0.03;
        Start = TimeSpan.FromSeconds(10);
        CliArmsUntil = outlastsWindow ? Start + TimeSpan.FromSeconds(1.5) : TimeSpan.MaxValue;
        var end = Start + TimeSpan.FromSeconds(seconds + 0.1);
        FrameOutages = Outages(random, Start, end, random.Next(4), 2, 120);
        var decoderOutages = Outages(random, Start, end, random.Next(3), 100, 1500);
        Decisions = MakeDecisions(random, Start - TimeSpan.FromSeconds(1), end, TimeSpan.FromMilliseconds(hop), decoderOutages);
    }

    public Random Random { get; }

    public ControlOptions Options { get; }

    public TimeSpan Period { get; }

    /// <summary>Per-tick probabilities are given for 100 Hz ticks and scaled by this, so the rates per second hold.</summary>
    public double RateScale { get; }

    /// <summary>Scales how often faults, stops and model swaps happen (0.15 calm, 1 stormy).</summary>
    public double Faultiness { get; }

    public TimeSpan FramePeriod { get; }

    public int Ticks { get; }

    /// <summary>How often the arm button is pressed (per 10 ms) where it must confirm.</summary>
    public double ButtonRate { get; }

    /// <summary>CLI arm requests come until then.</summary>
    public TimeSpan CliArmsUntil { get; }

    public TimeSpan Start { get; }

    public List<(TimeSpan Start, TimeSpan End)> FrameOutages { get; }

    public List<IntentDecision> Decisions { get; }

    /// <summary>True with <paramref name="probability"/> per 10 ms.</summary>
    public bool Chance(double probability) => Random.NextDouble() < probability * RateScale;

    /// <summary>A fault (or a stop, or a swap) with <paramref name="probability"/> per 10 ms in a stormy scenario.</summary>
    public bool Fault(double probability) => Chance(probability * Faultiness);

    /// <summary>The next tick: one period with jitter of −20 %..+30 % of it (−2..+3 ms at 100 Hz).</summary>
    public TimeSpan NextTick(TimeSpan now) => now + Period + TimeSpan.FromTicks((long)((Random.NextDouble() - 0.4) * 0.5 * Period.Ticks));

    /// <summary>Inserts a request at a random place among this tick's, with <paramref name="probability"/> per 10 ms (stops and disarms scaled by <see cref="Faultiness"/>).</summary>
    public void AddRequest(List<OperatorRequest> requests, double probability, RequestKind kind, RequestOrigin origin)
    {
        if (Chance(kind is RequestKind.Stop or RequestKind.Disarm ? probability * Faultiness : probability))
        {
            var caller = origin == RequestOrigin.LocalCli && Random.Next(2) == 0 ? "uid 1000 (pi)" : null;
            requests.Insert(Random.Next(requests.Count + 1), new OperatorRequest(kind, origin, caller));
        }
    }

    /// <summary>Flips a fault flag: to bad with <paramref name="toBad"/>, back with <paramref name="toGood"/> (per 10 ms).</summary>
    public void Flip(ref bool value, double toBad, double toGood, ref TimeSpan onset, Func<TimeSpan> between, bool badWhen)
    {
        if (value != badWhen && Fault(toBad))
        {
            value = badWhen;
            onset = between();
        }
        else if (value == badWhen && Chance(toGood))
        {
            value = !badWhen;
        }
    }

    /// <summary>The last frame at or before <paramref name="now"/> that was not lost in an outage.</summary>
    public TimeSpan LastFrame(TimeSpan now)
    {
        var frame = TimeSpan.FromTicks(now.Ticks / FramePeriod.Ticks * FramePeriod.Ticks);
        while (InOutage(frame, FrameOutages))
        {
            frame -= FramePeriod;
        }

        return frame;
    }

    private static T Pick<T>(Random random, params (double Probability, T Value)[] choices)
    {
        var draw = random.NextDouble();
        foreach (var (probability, value) in choices)
        {
            if (draw < probability)
            {
                return value;
            }

            draw -= probability;
        }

        return choices[^1].Value;
    }

    private static List<(TimeSpan Start, TimeSpan End)> Outages(Random random, TimeSpan start, TimeSpan end, int count, int minMs, int maxMs)
    {
        var outages = new List<(TimeSpan, TimeSpan)>();
        for (var i = 0; i < count; i++)
        {
            var from = start + TimeSpan.FromTicks((long)(random.NextDouble() * (end - start).Ticks));
            outages.Add((from, from + TimeSpan.FromMilliseconds(random.Next(minMs, maxMs))));
        }

        return outages;
    }

    private static bool InOutage(TimeSpan time, List<(TimeSpan Start, TimeSpan End)> outages)
    {
        foreach (var (from, to) in outages)
        {
            if (time >= from && time < to)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A decision every hop with a random class (held for a while), evidence, confidence and lag; some stuck, some lost.</summary>
    private static List<IntentDecision> MakeDecisions(Random random, TimeSpan start, TimeSpan end, TimeSpan hop, List<(TimeSpan Start, TimeSpan End)> outages)
    {
        var decisions = new List<IntentDecision>();
        var className = "rest";
        var clear = true;
        long index = 0;
        for (var window = start; window < end; window += hop)
        {
            if (random.NextDouble() < 0.2)
            {
                // Each stretch of a class is decoded clearly (most) or hesitantly.
                className = Classes[random.Next(Classes.Length)];
                clear = random.NextDouble() < 0.6;
            }

            var lag = random.NextDouble() < 0.015 ? TimeSpan.FromMilliseconds(random.Next(250, 700)) : TimeSpan.FromMilliseconds(random.Next(5, 60));
            var received = window + lag;
            if (InOutage(received, outages))
            {
                continue;
            }

            if (random.NextDouble() >= 0.03 || index == 0)
            {
                index += 1000;
            }

            var evidence = random.NextDouble() < (clear ? 0.97 : 0.8) ? 0.8 + (0.2 * random.NextDouble()) : 0.5 + (0.35 * random.NextDouble());
            var confidence = clear && random.NextDouble() < 0.95 ? 0.85 + (0.15 * random.NextDouble()) : 0.4 + (0.6 * random.NextDouble());
            decisions.Add(new IntentDecision(className, confidence, evidence, index, window, received));
        }

        decisions.Sort((a, b) => a.ReceivedAt.CompareTo(b.ReceivedAt));
        return decisions;
    }
}

/// <summary>The actuator as the property test scripts it: it can throw, stall its acknowledgements or trip its watchdog.</summary>
internal sealed class ScriptedActuator : IActuator
{
    public TimeSpan Clock { get; set; }

    public bool ThrowOnNextMove { get; set; }

    public bool AckStalled { get; set; }

    public bool Tripped { get; set; }

    public bool Threw { get; set; }

    public string Kind => "scripted";

    public TimeSpan? Acknowledged { get; private set; }

    public bool WatchdogTripped => Tripped;

    public ActuatorCommand Output { get; private set; }

    public void Apply(ActuatorCommand command)
    {
        if (command.IsNeutral)
        {
            Neutral();
            return;
        }

        if (Tripped || ThrowOnNextMove)
        {
            var tripped = Tripped;
            Neutral();
            Tripped = tripped;
            ThrowOnNextMove = false;
            Threw = true;
            throw new IOException("scripted bus error");
        }

        Output = command;
        Acknowledge();
    }

    public void Neutral()
    {
        Output = ActuatorCommand.Neutral;
        Tripped = false;
        Acknowledge();
    }

    public void Heartbeat()
    {
    }

    public void Dispose()
    {
    }

    private void Acknowledge()
    {
        if (!AckStalled)
        {
            Acknowledged = Clock;
        }
    }
}
