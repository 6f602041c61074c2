using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The requests waiting for the supervisor's next tick are bounded: repeated stops and disarms collapse into one, arms
/// and remote moves beyond a few are refused and counted, and the supervisor does with what is left what it would have
/// done with everything.
/// </summary>
public class ControlInputsRequestTests
{
    private static readonly OperatorRequest RemoteStop = new(RequestKind.Stop, RequestOrigin.Remote, "dashboard");
    private static readonly OperatorRequest LocalStop = new(RequestKind.Stop, RequestOrigin.LocalCli, "uid 1000 (pi)");
    private static readonly OperatorRequest RemoteDisarm = new(RequestKind.Disarm, RequestOrigin.Remote, "dashboard");
    private static readonly OperatorRequest LocalArm = new(RequestKind.Arm, RequestOrigin.LocalCli, "uid 1000 (pi)");

    [Test]
    public void Six_thousand_stops_between_two_ticks_are_one_request_and_one_stop_event()
    {
        var inputs = new ControlInputs();
        var intakes = new List<RequestIntake>();
        for (var i = 0; i < 6000; i++)
        {
            intakes.Add(inputs.Request(RemoteStop));
        }

        var requests = inputs.Snapshot().Requests;
        Assert.Multiple(() =>
        {
            Assert.That(requests, Is.EqualTo(new[] { RemoteStop }));
            Assert.That(intakes[0], Is.EqualTo(RequestIntake.Queued));
            Assert.That(intakes.Skip(1), Is.All.EqualTo(RequestIntake.Collapsed));
            Assert.That(inputs.CollapsedStops, Is.EqualTo(5999));
            Assert.That(inputs.RefusedRequests, Is.Zero);
            Assert.That(inputs.Snapshot().Requests, Is.Empty, "taken by the tick");
        });

        var bench = new Bench();
        bench.ArmAndMove();
        foreach (var request in requests)
        {
            bench.World.Request(request.Kind, request.Origin, request.Caller);
        }

        var stopped = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(stopped.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(stopped.Command.IsNeutral);
            Assert.That(stopped.Events.Select(e => e.Reason), Is.EqualTo(new[] { SupervisorReason.RemoteStop }));
        });
    }

    [Test]
    public void A_stop_of_either_origin_behind_a_waiting_stop_is_collapsed()
    {
        var inputs = new ControlInputs();
        var first = inputs.Request(LocalStop);
        var second = inputs.Request(RemoteStop);
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(RequestIntake.Queued));
            Assert.That(second, Is.EqualTo(RequestIntake.Collapsed));
            Assert.That(inputs.Snapshot().Requests, Is.EqualTo(new[] { LocalStop }), "the first latches; the second would change nothing");
        });
    }

    [Test]
    public void Alternating_stops_and_disarms_keep_at_most_one_of_each_with_the_last_kind_last()
    {
        var inputs = new ControlInputs();
        for (var i = 0; i < 3000; i++)
        {
            inputs.Request(i % 2 == 0 ? RemoteStop : RemoteDisarm);
        }

        inputs.Request(LocalStop);
        var requests = inputs.Snapshot().Requests;
        Assert.Multiple(() =>
        {
            Assert.That(requests, Is.EqualTo(new[] { RemoteDisarm, LocalStop }), "the stop that latches last is the first one after the last disarm");
            Assert.That(inputs.CollapsedStops + inputs.CollapsedDisarms, Is.EqualTo(2999));
        });
    }

    [Test]
    public void Arms_and_remote_moves_beyond_the_bound_are_refused_and_counted()
    {
        var inputs = new ControlInputs();
        var arms = Enumerable.Range(0, 100).Select(_ => inputs.Request(LocalArm)).ToList();
        var moves = Enumerable.Range(0, 100).Select(_ => inputs.Request(new OperatorRequest(RequestKind.Move, RequestOrigin.Remote))).ToList();
        var remoteArms = Enumerable.Range(0, 10).Select(_ => inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.Remote))).ToList();
        var stop = inputs.Request(RemoteStop);

        var requests = inputs.Snapshot().Requests;
        Assert.Multiple(() =>
        {
            Assert.That(arms.Count(intake => intake == RequestIntake.Queued), Is.EqualTo(ControlInputs.MaxArmsPerTick));
            Assert.That(moves.Count(intake => intake == RequestIntake.Queued), Is.EqualTo(ControlInputs.MaxRefusedPerTick));
            Assert.That(remoteArms, Is.All.EqualTo(RequestIntake.Refused), "remote arms and moves share one bound");
            Assert.That(stop, Is.EqualTo(RequestIntake.Queued), "a flood of anything else never keeps a stop out");
            Assert.That(requests, Has.Count.EqualTo(ControlInputs.MaxArmsPerTick + ControlInputs.MaxRefusedPerTick + 1));
            Assert.That(inputs.RefusedRequests, Is.EqualTo(100 - ControlInputs.MaxArmsPerTick + 100 - ControlInputs.MaxRefusedPerTick + 10));
        });

        // The bounds are per tick: the next tick takes as many again.
        Assert.That(inputs.Request(LocalArm), Is.EqualTo(RequestIntake.Queued));
    }

    /// <summary>
    /// For random request sequences between two ticks, from every state (Disarmed, Armed, Active, SafeStop, an arm
    /// waiting for the button), with and without the arm button wired: the supervisor fed the collapsed requests ends
    /// in the same state, latched reason (while latched), command, ramp, pending arm and armed model, with the same last stop or disarm
    /// event and the same arm events and refusals, as the supervisor fed every request; and it records at most one
    /// stop and one disarm event.
    /// </summary>
    [Test]
    public void Collapsed_requests_leave_the_supervisor_where_every_request_would_have()
    {
        var elapsed = PropertySeeds.Run(300, "request collapse", seed =>
        {
            var random = new Random(seed);
            var wired = random.Next(2) == 0;
            var prefix = random.Next(5);
            var every = Start(wired, prefix);
            var collapsed = Start(wired, prefix);

            var inputs = new ControlInputs();
            var sequence = new List<OperatorRequest>();
            var count = random.Next(1, 40);
            for (var i = 0; i < count; i++)
            {
                var request = RandomRequest(random);
                if (inputs.Request(request) != RequestIntake.Refused)
                {
                    sequence.Add(request);
                }
            }

            var kept = inputs.Snapshot().Requests;
            foreach (var request in sequence)
            {
                every.World.Request(request.Kind, request.Origin, request.Caller);
            }

            foreach (var request in kept)
            {
                collapsed.World.Request(request.Kind, request.Origin, request.Caller);
            }

            var context = $"wired {wired}, prefix {prefix}, requests {string.Join(", ", sequence.Select(r => $"{r.Kind}/{r.Origin}/{r.Caller}"))}";
            var expected = every.Tick();
            var actual = collapsed.Tick();
            AssertSameOutcome(every, expected, collapsed, actual, context);
            Assert.That(kept.Count(r => r.Kind == RequestKind.Stop), Is.LessThanOrEqualTo(1), context);
            Assert.That(kept.Count(r => r.Kind == RequestKind.Disarm), Is.LessThanOrEqualTo(1), context);
            Assert.That(actual.Events.Count(e => e.Reason is SupervisorReason.LocalStop or SupervisorReason.RemoteStop), Is.LessThanOrEqualTo(1), context);

            // And afterwards: nothing left behind (a pending arm, a ramp) differs.
            every.RunFor(TimeSpan.FromMilliseconds(200));
            collapsed.RunFor(TimeSpan.FromMilliseconds(200));
            AssertSameOutcome(every, every.Last!, collapsed, collapsed.Last!, context + " (200 ms later)");
        });
        PropertySeeds.Report($"request collapse: 300 seeded sequences in {elapsed.TotalMilliseconds:0} ms");
    }

    private static Bench Start(bool wired, int prefix)
    {
        var bench = new Bench(new ControlOptions { ArmButtonPin = wired ? 17 : -1 });
        switch (prefix)
        {
            case 0:
                bench.RunFor(TimeSpan.FromMilliseconds(300));
                break;
            case 1:
                bench.RunFor(TimeSpan.FromMilliseconds(300));
                Arm(bench, wired);
                break;
            case 2:
                if (wired)
                {
                    bench.RunFor(TimeSpan.FromMilliseconds(300));
                    bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli, "uid 1000 (pi)");
                    bench.Tick();
                    Assert.That(bench.Supervisor.PendingArm, Is.Not.Null);
                }
                else
                {
                    bench.ArmAndMove();
                }

                break;
            case 3:
                bench.RunFor(TimeSpan.FromMilliseconds(300));
                bench.World.Request(RequestKind.Stop, RequestOrigin.LocalCli);
                bench.RunFor(TimeSpan.FromMilliseconds(100));
                break;
            default:
                bench.RunFor(TimeSpan.FromMilliseconds(300));
                Arm(bench, wired);
                bench.World.ClassName = "feet";
                bench.RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
                bench.RunFor(TimeSpan.FromMilliseconds(200));
                break;
        }

        return bench;
    }

    private static void Arm(Bench bench, bool wired)
    {
        if (wired)
        {
            bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli, "uid 1000 (pi)");
            bench.Tick();
        }

        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed), string.Join(" | ", bench.Events));
    }

    private static OperatorRequest RandomRequest(Random random)
    {
        var kind = random.Next(10) switch
        {
            < 4 => RequestKind.Stop,
            < 7 => RequestKind.Disarm,
            < 9 => RequestKind.Arm,
            _ => RequestKind.Move,
        };
        var origin = (RequestOrigin)random.Next(3);
        var caller = random.Next(3) switch
        {
            0 => null,
            1 => "uid 1000 (pi)",
            _ => "uid 0 (root)",
        };
        return new OperatorRequest(kind, origin, caller);
    }

    private static void AssertSameOutcome(Bench every, SupervisorOutput expected, Bench collapsed, SupervisorOutput actual, string context)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.State, Is.EqualTo(expected.State), context);
            Assert.That(actual.Command, Is.EqualTo(expected.Command), context);
            Assert.That(actual.Ramping, Is.EqualTo(expected.Ramping), context);
            if (expected.State == SupervisorState.SafeStop)
            {
                // Read only while latched (after a disarm it is the stale reason of an earlier latch).
                Assert.That(collapsed.Supervisor.LatchedReason, Is.EqualTo(every.Supervisor.LatchedReason), context);
            }

            Assert.That(collapsed.Supervisor.PendingArm, Is.EqualTo(every.Supervisor.PendingArm), context);
            Assert.That(collapsed.Supervisor.ArmedModel, Is.EqualTo(every.Supervisor.ArmedModel), context);
            Assert.That(LastStopOrDisarm(actual)?.Reason, Is.EqualTo(LastStopOrDisarm(expected)?.Reason), context);
            Assert.That(ArmReasons(actual), Is.EqualTo(ArmReasons(expected)), context);
        });
    }

    private static SupervisorEvent? LastStopOrDisarm(SupervisorOutput output) =>
        output.Events.LastOrDefault(e => e.Reason is SupervisorReason.LocalStop or SupervisorReason.RemoteStop or SupervisorReason.LocalDisarm or SupervisorReason.RemoteDisarm);

    private static List<string> ArmReasons(SupervisorOutput output) =>
    [
        .. output.Events
            .Where(e => e.Reason is SupervisorReason.Armed or SupervisorReason.ArmRefused or SupervisorReason.ArmPending or SupervisorReason.RequestRefused)
            .Select(e => $"{e.Reason}: {RequestedBy(e.Message)}"),
    ];

    /// <summary>Who an arm event names (the part that does not depend on which stop won).</summary>
    private static string RequestedBy(string message)
    {
        var at = message.LastIndexOf("requested by", StringComparison.Ordinal);
        return at < 0 ? message : message[at..];
    }
}
