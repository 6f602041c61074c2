using System.Globalization;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// One test per STOP rule: the platform is driving forward at 100 Hz ticks, the fault happens, and the time from the
/// fault (and from the moment the rule can see it) to the first neutral output is measured in control-clock time.
/// Goals: at most 10 ms from detection, at most 50 ms from the last good frame.
/// </summary>
public class StopRuleTests
{
    private static readonly TimeSpan DetectionBound = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan FromLastFrameBound = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A fault injected just after a tick (the worst place: a whole period until the next one). Returns when the rule
    /// could first see it.
    /// </summary>
    public sealed record Rule(string Name, SupervisorReason Reason, Func<Bench, TimeSpan, TimeSpan> Inject, Action<ControlOptions>? Configure = null)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<Rule> Rules()
    {
        yield return new("no EEG frame for 20 ms", SupervisorReason.FrameTimeout, (bench, at) =>
        {
            bench.World.FramesStopAt = at;
            return bench.World.LastFrameAt(at) + bench.Options.FrameTimeout;
        });
        yield return new("no decision for two hops", SupervisorReason.DecisionTimeout, (bench, at) =>
        {
            bench.World.DecisionsStopAt = at;
            return bench.World.LastDecisionReceived!.Value + bench.Options.DecisionTimeout;
        }, options => options.DecisionMaxAgeMs = ControlOptions.DecisionMaxAgeCeilingMs);
        yield return new("decision older than its bound", SupervisorReason.DecisionStale, (bench, at) =>
        {
            // The decoder falls behind: decisions keep arriving each hop but describe data 450 ms old.
            bench.World.DecisionLag = TimeSpan.FromMilliseconds(450);
            var hop = TimeSpan.FromMilliseconds(bench.Options.HopMs);
            return bench.World.LastDecisionReceived!.Value + hop;
        });
        yield return new("required channel quality goes bad", SupervisorReason.ChannelQuality, (bench, at) =>
        {
            bench.World.SetChannel(2, new("C3", QualityGood: false));
            return at;
        });
        yield return new("lead-off on a required channel", SupervisorReason.LeadOff, (bench, at) =>
        {
            bench.World.SetChannel(4, new("C4", QualityGood: true, LeadOff: true));
            return at;
        });
        yield return new("railing on a required channel", SupervisorReason.Railing, (bench, at) =>
        {
            bench.World.SetChannel(3, new("Cz", QualityGood: true, Railing: true));
            return at;
        });
        yield return new("e-stop input opens", SupervisorReason.EStopOpen, (bench, at) =>
        {
            bench.World.EStopClosed = false;
            return at;
        });
        yield return new("decoder fails", SupervisorReason.DecoderFault, (bench, at) =>
        {
            bench.World.DecoderHealthy = false;
            return at;
        });
        yield return new("model fails", SupervisorReason.ModelFault, (bench, at) =>
        {
            bench.World.ModelVerified = false;
            return at;
        });
        yield return new("actuator stops acknowledging", SupervisorReason.ActuatorNoAck, (bench, at) =>
        {
            bench.World.AckStopsAt = at;
            return at + bench.Options.ActuatorAckTimeout;
        });
        yield return new("unhandled exception in the pipeline", SupervisorReason.PipelineException, (bench, at) =>
        {
            bench.World.PipelineFaults++;
            return at;
        });
        yield return new("remote stop", SupervisorReason.RemoteStop, (bench, at) =>
        {
            bench.World.Request(RequestKind.Stop, RequestOrigin.Remote);
            return at;
        });
        yield return new("local stop on the unit", SupervisorReason.LocalStop, (bench, at) =>
        {
            bench.World.Request(RequestKind.Stop, RequestOrigin.LocalCli);
            return at;
        });
    }

    [TestCaseSource(nameof(Rules))]
    public void Each_stop_rule_goes_neutral_within_its_bound_and_latches(Rule rule)
    {
        var options = new ControlOptions();
        rule.Configure?.Invoke(options);
        var bench = new Bench(options);
        bench.ArmAndMove();
        var lastGoodFrame = bench.World.LastFrameAt(bench.Now - bench.Period);

        var faultAt = bench.Now - bench.Period + TimeSpan.FromTicks(1);
        var detectable = rule.Inject(bench, faultAt);
        var neutralAt = bench.TimeToNeutral(TimeSpan.FromSeconds(2));

        var fromDetection = neutralAt - detectable;
        var fromFault = neutralAt - faultAt;
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rule.Reason,-18} fault→neutral {fromFault.TotalMilliseconds,7:0.00} ms, detectable→neutral {fromDetection.TotalMilliseconds,5:0.00} ms{(rule.Reason == SupervisorReason.FrameTimeout ? $", last good frame→neutral {(neutralAt - lastGoodFrame).TotalMilliseconds:0.00} ms" : "")}"));
        Assert.Multiple(() =>
        {
            Assert.That(bench.Last!.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(bench.Supervisor.LatchedReason, Is.EqualTo(rule.Reason), string.Join(" | ", bench.Events));
            Assert.That(bench.Last.Events.Single().Reason, Is.EqualTo(rule.Reason));
            Assert.That(bench.Last.Events.Single().Message, Is.Not.Empty);
            Assert.That(fromDetection, Is.GreaterThanOrEqualTo(TimeSpan.Zero), "not before the rule could see it");
            Assert.That(fromDetection, Is.LessThanOrEqualTo(DetectionBound));
        });
        if (rule.Reason == SupervisorReason.FrameTimeout)
        {
            Assert.That(neutralAt - lastGoodFrame, Is.LessThanOrEqualTo(FromLastFrameBound));
        }

        // Latched: stays neutral for as long as nobody re-arms, even once the cause has cleared.
        ClearAll(bench);
        bench.RunFor(TimeSpan.FromSeconds(2));
        Assert.That(bench.Outputs.TakeLast(200).All(output => output.Command.IsNeutral && output.State == SupervisorState.SafeStop));
    }

    [Test]
    public void Stop_from_the_last_good_frame_is_within_50_ms_wherever_the_frames_stop_between_ticks()
    {
        var worst = TimeSpan.Zero;
        for (var offset = 0; offset < 40; offset++)
        {
            var bench = new Bench();
            bench.ArmAndMove();
            var stop = bench.Now - bench.Period + TimeSpan.FromMilliseconds(offset * 0.25);
            bench.World.FramesStopAt = stop;
            var lastFrame = bench.World.LastFrameAt(stop);
            var neutral = bench.TimeToNeutral(TimeSpan.FromSeconds(1));
            if (neutral - lastFrame > worst)
            {
                worst = neutral - lastFrame;
            }

            Assert.That(neutral - lastFrame, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(50)));
            Assert.That(neutral - (lastFrame + bench.Options.FrameTimeout), Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(10)));
        }

        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst last good frame→neutral: {worst.TotalMilliseconds:0.00} ms"));
    }

    private static void ClearAll(Bench bench)
    {
        bench.World.FramesStopAt = null;
        bench.World.DecisionsStopAt = null;
        bench.World.DecisionLag = TimeSpan.FromMilliseconds(30);
        bench.World.Channels = new World(bench.Options).Channels;
        bench.World.EStopClosed = true;
        bench.World.DecoderHealthy = true;
        bench.World.ModelVerified = true;
        bench.World.AckStopsAt = null;
    }
}
