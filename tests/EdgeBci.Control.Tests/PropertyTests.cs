using System.Diagnostics;
using System.Globalization;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// Seeded random scenarios through the whole control step (supervisor, the one clamped Apply, an actuator that can
/// throw, stall its acknowledgements or trip its watchdog): decision streams with random classes, confidences, evidence,
/// lags and stalls; frame dropouts; channel, e-stop, inhibit, model, decoder and focus faults; model swaps; operator and
/// remote requests, with and without the arm button's confirmation; tick timing jitter; options drawn at the edges of
/// their valid ranges. <see cref="PropertyOracle"/>, which knows only the inputs, checks every tick: never a non-neutral
/// output while any STOP-rule precondition is false, every emergency stop neutral in the tick it is detected, controlled
/// stops only decreasing at their decelerations, limits and ramps kept, arming only as the inputs allow.
/// </summary>
public class PropertyTests
{
    private const int Scenarios = 10_000;

    [Test]
    public void Ten_thousand_random_scenarios_never_move_without_every_precondition_and_stop_within_bounds()
    {
        var statistics = new Statistics();
        var elapsed = PropertySeeds.Run(Scenarios, "scenario", seed => RunScenario(seed, statistics));
        var report = string.Create(CultureInfo.InvariantCulture,
            $"{Scenarios} scenarios, {statistics.Ticks} ticks in {elapsed.TotalSeconds:0.0} s; {statistics.MovingScenarios} scenarios moved ({statistics.MovingTicks} moving ticks, {statistics.RampingTicks} ramping); " +
            $"{statistics.EmergencyStops} emergency stops from motion measured, worst latency at 100 Hz {statistics.WorstFromDetection.TotalMilliseconds:0.00} ms from detection ({statistics.WorstReason}), " +
            $"{statistics.WorstFromLastFrame.TotalMilliseconds:0.00} ms from the last good frame (20 ms frame timeout); {statistics.ControlledStops} controlled stops, {statistics.RampsEnded} ramps ran to neutral; " +
            $"{statistics.SwapLatches} model swaps latched while armed ({statistics.SwapStops} from motion), {statistics.ConfirmedArms} arms confirmed by the button; " +
            $"longest tick interval {statistics.LongestInterval.TotalMilliseconds:0.00} ms");
        TestContext.Out.WriteLine(report);
        TestContext.Out.WriteLine("emergency stops by reason: " + Describe(statistics.StopsByReason));
        TestContext.Out.WriteLine("controlled stops by reason: " + Describe(statistics.ControlledByReason));
        TestContext.Out.WriteLine("events: " + Describe(statistics.Events));
        TestContext.Progress.WriteLine(report);
        Assert.Multiple(() =>
        {
            // The dwell is at least two hops (its valid range), so fewer of these short, fault-dense scenarios reach motion
            // than with the zero dwell they once drew; tens of thousands of moving and ramping ticks are checked.
            Assert.That(statistics.MovingScenarios, Is.GreaterThan(Scenarios / 8), "the scenarios must actually drive for the property to mean anything");
            Assert.That(statistics.MovingTicks, Is.GreaterThan(30_000));
            Assert.That(statistics.RampingTicks, Is.GreaterThan(5_000), "controlled stops ramped during motion");
            Assert.That(statistics.StopsByReason.Keys.Count(SupervisorReasons.IsLatching), Is.GreaterThanOrEqualTo(12), "most STOP rules fired from motion");
            Assert.That(statistics.ControlledByReason.Keys, Is.SupersetOf(new[] { SupervisorReason.IntentStop, SupervisorReason.ConfidenceDrop, SupervisorReason.IntentReleased, SupervisorReason.LocalDisarm }));
            Assert.That(statistics.StopsByReason.GetValueOrDefault(SupervisorReason.Inhibited), Is.GreaterThan(0), "the obstacle input stopped motion");
            Assert.That(statistics.SwapLatches, Is.GreaterThan(0), "model swaps while armed latched ModelFault");
            Assert.That(statistics.SwapStops, Is.GreaterThan(0), "model swaps stopped motion");
            Assert.That(statistics.Events.GetValueOrDefault(SupervisorReason.ArmPending), Is.GreaterThan(0));
            Assert.That(statistics.Events.GetValueOrDefault(SupervisorReason.ArmExpired), Is.GreaterThan(0));
            Assert.That(statistics.ConfirmedArms, Is.GreaterThan(0), "arms confirmed by the button");
            Assert.That(statistics.WorstFromDetection, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(13)), "one jittered 100 Hz tick");
            Assert.That(statistics.WorstFromLastFrame, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(50)));
        });
    }

    private static string Describe(Dictionary<SupervisorReason, int> counts) =>
        string.Join(", ", counts.OrderByDescending(pair => pair.Value).Select(pair => $"{pair.Key} {pair.Value}"));

    private sealed class Statistics
    {
        public long Ticks;
        public long MovingTicks;
        public long RampingTicks;
        public int MovingScenarios;
        public int EmergencyStops;
        public int ControlledStops;
        public int RampsEnded;
        public int SwapStops;
        public int SwapLatches;
        public int ConfirmedArms;
        public TimeSpan WorstFromDetection;
        public SupervisorReason WorstReason;
        public TimeSpan WorstFromLastFrame;
        public TimeSpan LongestInterval;
        public Dictionary<SupervisorReason, int> StopsByReason { get; } = [];
        public Dictionary<SupervisorReason, int> ControlledByReason { get; } = [];
        public Dictionary<SupervisorReason, int> Events { get; } = [];
    }

    private static void RunScenario(int seed, Statistics statistics)
    {
        var scenario = new PropertyScenario(seed);
        var options = scenario.Options;
        var supervisor = new SafetySupervisor(options);
        var actuator = new ScriptedActuator();
        var pipeline = new ControlPipeline(supervisor, actuator);
        var oracle = new PropertyOracle(options, supervisor.Limits);
        var trace = Environment.GetEnvironmentVariable("TRACE_SEED") == seed.ToString(CultureInfo.InvariantCulture);

        // Fault processes: flags flip between ticks; the onset time of each fault is kept for the latency.
        var channels = PropertyScenario.ChannelNames.Select(name => new ChannelState(name, true)).ToArray();
        var channelOnset = new TimeSpan[channels.Length];
        bool eStopClosed = true, inhibit = false, modelVerified = true, decoderHealthy = true;
        TimeSpan eStopOnset = default, modelOnset = default, decoderOnset = default, pipelineOnset = default, stopRequestOnset = default, inhibitOnset = default;
        string? model = "scenario-model v1";
        var modelVersion = 1;
        double focus = 0.8;
        long pipelineFaults = 0;

        var hasDecision = false;
        long lastIndex = 0;
        TimeSpan lastNewDecision = default;
        var moved = false;
        var now = scenario.Start;
        var previousTick = now - scenario.Period;
        var decisionCursor = -1;

        // Reused every tick: the pipeline and the oracle read them only during the tick.
        var requests = new List<OperatorRequest>();
        var faults = new List<(SupervisorReason Reason, TimeSpan Detectable)>();
        for (var tick = 0; tick < scenario.Ticks; tick++)
        {
            var interval = now - previousTick;
            if (tick > 0 && interval > statistics.LongestInterval)
            {
                statistics.LongestInterval = interval;
            }

            TimeSpan Between() => previousTick + TimeSpan.FromTicks((long)(scenario.Random.NextDouble() * (now - previousTick).Ticks) + 1);

            for (var c = 0; c < channels.Length; c++)
            {
                var channel = channels[c];
                var bad = !channel.QualityGood || channel.LeadOff || channel.Railing;
                if (!bad && scenario.Fault(0.0015))
                {
                    channels[c] = scenario.Random.Next(3) switch
                    {
                        0 => channel with { QualityGood = false },
                        1 => channel with { LeadOff = true },
                        _ => channel with { Railing = true },
                    };
                    channelOnset[c] = Between();
                }
                else if (bad && scenario.Chance(0.03))
                {
                    channels[c] = new ChannelState(channel.Name, true);
                }
            }

            scenario.Flip(ref eStopClosed, 0.0015, 0.05, ref eStopOnset, Between, badWhen: false);
            scenario.Flip(ref modelVerified, 0.0005, 0.05, ref modelOnset, Between, badWhen: false);
            scenario.Flip(ref decoderHealthy, 0.0008, 0.05, ref decoderOnset, Between, badWhen: false);
            scenario.Flip(ref inhibit, 0.004, 0.03, ref inhibitOnset, Between, badWhen: true);
            var swapOnset = TimeSpan.Zero;
            if (model is not null && scenario.Fault(0.0012))
            {
                // A swap to the next version, or (rarely) the identity lost.
                model = scenario.Random.Next(5) == 0 ? null : $"scenario-model v{++modelVersion}";
                swapOnset = Between();
            }
            else if (model is null && scenario.Chance(0.05))
            {
                model = $"scenario-model v{++modelVersion}";
            }

            if (options.RequireFocus)
            {
                focus = Math.Clamp(focus + ((scenario.Random.NextDouble() - 0.5) * 0.1 * scenario.RateScale), 0, 1);
            }

            var pipelineFaulted = scenario.Fault(0.0005);
            if (pipelineFaulted)
            {
                pipelineFaults++;
                pipelineOnset = Between();
            }

            if (!actuator.AckStalled && scenario.Fault(0.0015))
            {
                actuator.AckStalled = true;
            }
            else if (actuator.AckStalled && scenario.Chance(0.05))
            {
                actuator.AckStalled = false;
            }

            if (scenario.Fault(0.0008))
            {
                actuator.ThrowOnNextMove = true;
            }

            if (scenario.Fault(0.0004))
            {
                actuator.Tripped = true;
            }

            requests.Clear();
            if (options.ArmButtonPin >= 0)
            {
                scenario.AddRequest(requests, now < scenario.CliArmsUntil ? 0.015 : 0, RequestKind.Arm, RequestOrigin.LocalCli);
                scenario.AddRequest(requests, scenario.ButtonRate, RequestKind.Arm, RequestOrigin.LocalButton);
            }
            else
            {
                scenario.AddRequest(requests, 0.03, RequestKind.Arm, scenario.Random.Next(2) == 0 ? RequestOrigin.LocalButton : RequestOrigin.LocalCli);
            }

            scenario.AddRequest(requests, 0.002, RequestKind.Disarm, RequestOrigin.LocalCli);
            scenario.AddRequest(requests, 0.001, RequestKind.Stop, RequestOrigin.LocalCli);
            scenario.AddRequest(requests, 0.01, RequestKind.Arm, RequestOrigin.Remote);
            scenario.AddRequest(requests, 0.01, RequestKind.Move, RequestOrigin.Remote);
            scenario.AddRequest(requests, 0.0015, RequestKind.Stop, RequestOrigin.Remote);
            scenario.AddRequest(requests, 0.0015, RequestKind.Disarm, RequestOrigin.Remote);
            if (requests.Exists(r => r.Kind is RequestKind.Stop or RequestKind.Disarm))
            {
                stopRequestOnset = Between();
            }

            while (decisionCursor + 1 < scenario.Decisions.Count && scenario.Decisions[decisionCursor + 1].ReceivedAt <= now)
            {
                decisionCursor++;
            }

            var decision = decisionCursor >= 0 ? scenario.Decisions[decisionCursor] : null;
            var lastFrame = scenario.LastFrame(now);
            var ackBefore = actuator.Acknowledged;
            var trippedBefore = actuator.Tripped;
            var armedModel = oracle.ArmedModel;
            var inputs = new SupervisorInputs
            {
                LastFrameTime = lastFrame,
                LastDecision = decision,
                Channels = channels,
                EStopClosed = eStopClosed,
                InhibitTripped = inhibit,
                ModelVerified = modelVerified,
                ModelIdentity = model,
                DecoderHealthy = decoderHealthy,
                Focus = options.RequireFocus ? focus : null,
                Requests = requests,
                PipelineFaults = pipelineFaults,
                LastPipelineFault = "scripted",
            };

            actuator.Clock = now;
            actuator.Threw = false;
            var output = pipeline.Step(now, inputs);
            statistics.Ticks++;

            if (decision is not null && (!hasDecision || decision.SampleIndex != lastIndex))
            {
                hasDecision = true;
                lastIndex = decision.SampleIndex;
                lastNewDecision = decision.ReceivedAt;
            }

            // ---- Every STOP-rule precondition, from the inputs alone, with when it became visible. ----
            faults.Clear();
            if (!eStopClosed)
            {
                faults.Add((SupervisorReason.EStopOpen, eStopOnset));
            }

            if (now - lastFrame > options.FrameTimeout)
            {
                faults.Add((SupervisorReason.FrameTimeout, lastFrame + options.FrameTimeout));
            }

            for (var c = 0; c < channels.Length; c++)
            {
                var channel = channels[c];
                var required = options.RequiredChannels.Length == 0 || options.RequiredChannels.Contains(channel.Name);
                if (required && (!channel.QualityGood || channel.LeadOff || channel.Railing))
                {
                    faults.Add((channel.LeadOff ? SupervisorReason.LeadOff : channel.Railing ? SupervisorReason.Railing : SupervisorReason.ChannelQuality, channelOnset[c]));
                }
            }

            if (!modelVerified)
            {
                faults.Add((SupervisorReason.ModelFault, modelOnset));
            }

            if (model is null || (armedModel is not null && model != armedModel))
            {
                faults.Add((SupervisorReason.ModelFault, swapOnset == TimeSpan.Zero ? previousTick + TimeSpan.FromTicks(1) : swapOnset));
            }

            if (!decoderHealthy)
            {
                faults.Add((SupervisorReason.DecoderFault, decoderOnset));
            }

            if (decision is null || now - lastNewDecision > options.DecisionTimeout)
            {
                faults.Add((SupervisorReason.DecisionTimeout, lastNewDecision + options.DecisionTimeout));
            }

            if (decision is not null && now - decision.DataTime > options.DecisionMaxAge)
            {
                // Visible once it is both too old and known: a decision may arrive already older than its bound.
                var stale = decision.DataTime + options.DecisionMaxAge;
                faults.Add((SupervisorReason.DecisionStale, stale > decision.ReceivedAt ? stale : decision.ReceivedAt));
            }

            if (ackBefore is not { } ack || now - ack > options.ActuatorAckTimeout)
            {
                faults.Add((SupervisorReason.ActuatorNoAck, (ackBefore ?? now) + options.ActuatorAckTimeout));
            }

            var focusOk = !options.RequireFocus || focus >= options.FocusThreshold;
            var observation = new TickObservation(now, interval, decision, faults, requests, inhibit, focusOk, model, trippedBefore, pipelineFaulted, actuator.Threw, output, actuator.Output);
            if (trace)
            {
                TestContext.Out.WriteLine($"{now.TotalMilliseconds:0.0} faults={string.Join(",", faults.Select(f => f.Reason))} req={string.Join(",", requests)} model={model} trippedBefore={trippedBefore} threw={actuator.Threw} pf={pipelineFaulted} state={output.State} ramping={output.Ramping} out={actuator.Output} ev={string.Join(" | ", output.Events)}");
            }

            var change = oracle.Check(observation);
            foreach (var supervisorEvent in output.Events)
            {
                statistics.Events[supervisorEvent.Reason] = statistics.Events.GetValueOrDefault(supervisorEvent.Reason) + 1;
                if (supervisorEvent.Reason == SupervisorReason.Armed && supervisorEvent.Message.Contains("confirmed by the arm button", StringComparison.Ordinal))
                {
                    statistics.ConfirmedArms++;
                }

                if (supervisorEvent.Reason == SupervisorReason.ModelFault && supervisorEvent.To == SupervisorState.SafeStop && armedModel is not null && model != armedModel)
                {
                    statistics.SwapLatches++;
                }
            }

            switch (change)
            {
                case PropertyOracle.Change.Moving:
                    statistics.MovingTicks++;
                    moved = true;
                    break;
                case PropertyOracle.Change.Ramping:
                    statistics.RampingTicks++;
                    break;
                case PropertyOracle.Change.RampEnded:
                    statistics.RampsEnded++;
                    break;
                case PropertyOracle.Change.EmergencyStop or PropertyOracle.Change.ControlledStopStarted:
                    var emergency = change == PropertyOracle.Change.EmergencyStop;
                    var stop = output.Events.First(e => e.StopKind == (emergency ? StopKind.Emergency : StopKind.Controlled));
                    var detectable = stop.Reason switch
                    {
                        SupervisorReason.ActuatorFault or SupervisorReason.ActuatorWatchdog or SupervisorReason.FocusLow => previousTick + TimeSpan.FromTicks(1),
                        SupervisorReason.PipelineException => pipelineOnset,
                        SupervisorReason.Inhibited => inhibitOnset > previousTick ? inhibitOnset : previousTick + TimeSpan.FromTicks(1),
                        SupervisorReason.RemoteStop or SupervisorReason.LocalStop or SupervisorReason.RemoteDisarm or SupervisorReason.LocalDisarm => stopRequestOnset,
                        _ when SupervisorReasons.IsIntentStop(stop.Reason) => decision!.ReceivedAt > previousTick ? decision.ReceivedAt : previousTick + TimeSpan.FromTicks(1),
                        _ => faults.Where(f => f.Reason == stop.Reason).Select(f => f.Detectable).DefaultIfEmpty(now).Max(),
                    };
                    var latency = now - detectable;
                    Assert.That(latency, Is.GreaterThanOrEqualTo(TimeSpan.Zero).And.LessThanOrEqualTo(interval), $"{stop.Reason} stop latency at {now}");
                    var counts = emergency ? statistics.StopsByReason : statistics.ControlledByReason;
                    counts[stop.Reason] = counts.GetValueOrDefault(stop.Reason) + 1;
                    if (!emergency)
                    {
                        statistics.ControlledStops++;
                        break;
                    }

                    statistics.EmergencyStops++;
                    if (stop.Reason == SupervisorReason.ModelFault && armedModel is not null && model != armedModel)
                    {
                        statistics.SwapStops++;
                    }

                    if (options.TickHz == 100 && latency > statistics.WorstFromDetection)
                    {
                        statistics.WorstFromDetection = latency;
                        statistics.WorstReason = stop.Reason;
                    }

                    if (stop.Reason == SupervisorReason.FrameTimeout && options.TickHz == 100 && options.FrameTimeoutMs == 20 && now - lastFrame > statistics.WorstFromLastFrame)
                    {
                        statistics.WorstFromLastFrame = now - lastFrame;
                    }

                    break;
            }

            previousTick = now;
            now = scenario.NextTick(now);
        }

        if (moved)
        {
            statistics.MovingScenarios++;
        }
    }
}
