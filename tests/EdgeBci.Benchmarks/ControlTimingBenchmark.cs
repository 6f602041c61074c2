using System.Diagnostics;
using System.Globalization;
using EdgeBci.Control;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The control stage's timing goals on the real clock, which the unit tests no longer assert (a loaded 2-core CI
/// machine stalls threads for tens of milliseconds; the tests assert the ordering, in ticks, instead):
/// the e-stop opening → the supervisor loop's output neutral, goal one 10 ms tick; and a silent supervisor → the
/// actuator's heartbeat watchdog neutral, goal between 1 and 1.25 heartbeat timeouts. Prints each figure's
/// distribution over <c>runs</c> runs and the goal next to it.
/// </summary>
internal static class ControlTimingBenchmark
{
    public static bool Run(int runs)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Control timing: {runs} runs each, real clock, simulated wheelchair"));
        var estop = EStopToNeutral(runs);
        var watchdog = WatchdogToNeutral(runs);
        return estop && watchdog;
    }

    private static bool EStopToNeutral(int runs)
    {
        // Wide timeouts, as in the loop's unit tests: a stall of the feeder must not stop the chair before the e-stop does.
        var options = new ControlOptions { FrameTimeoutMs = 50, HopMs = 200, DecisionMaxAgeMs = 1000, DwellMs = 400, ActuatorAckTimeoutMs = 1000, HeartbeatTimeoutMs = 1000 };
        using var unit = new LiveUnit(options);
        var latencies = new List<double>(runs);
        var otherStops = 0;
        while (latencies.Count < runs)
        {
            if (!unit.ArmAndDrive())
            {
                Console.Error.WriteLine($"control: the chair would not drive in five attempts (latched {unit.Pipeline.Supervisor.LatchedReason}).");
                return false;
            }

            var opened = Stopwatch.GetTimestamp();
            unit.Inputs.SetEStopClosed(false);
            var neutralAt = unit.WaitForNeutral();
            if (unit.Pipeline.Supervisor.LatchedReason == SupervisorReason.EStopOpen && neutralAt > 0)
            {
                latencies.Add(Math.Max(0, neutralAt - opened) * 1000.0 / Stopwatch.Frequency);
            }
            else
            {
                otherStops++;
            }

            unit.Inputs.SetEStopClosed(true);
        }

        var goal = options.TickPeriod.TotalMilliseconds;
        var worst = Report("e-stop open → neutral", latencies, goal, $"goal ≤ one {goal:0} ms tick");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"",-34} longest tick interval {unit.Loop.MaxInterval.TotalMilliseconds:0.0} ms; {otherStops} runs stopped first by a feeder or loop stall (not counted)"));
        return worst <= goal;
    }

    private static bool WatchdogToNeutral(int runs)
    {
        var options = new ControlOptions();
        using var chair = new SimulatedWheelchair(options, TimeProvider.System);
        var timeout = options.HeartbeatTimeout.TotalMilliseconds;
        var silences = new List<double>(runs);
        for (var run = 0; run < runs; run++)
        {
            chair.Neutral();
            chair.Heartbeat();
            chair.Apply(ActuatorCommand.Motion(0.5, 0));
            var beforeFeed = Stopwatch.GetTimestamp();
            chair.Heartbeat();
            // Spinning on this thread, so the figure is the watchdog timer's, not this thread's sleep granularity.
            while (!chair.WatchdogTripped && Stopwatch.GetElapsedTime(beforeFeed) < TimeSpan.FromSeconds(5))
            {
                Thread.SpinWait(100);
            }

            silences.Add(Stopwatch.GetElapsedTime(beforeFeed).TotalMilliseconds);
        }

        var worst = Report("last heartbeat → watchdog neutral", silences, 1.25 * timeout, $"goal {timeout:0}–{1.25 * timeout:0} ms (1–1.25 timeouts)");
        return silences.Min() >= timeout && worst <= 1.25 * timeout;
    }

    private static double Report(string what, List<double> milliseconds, double goal, string goalText)
    {
        milliseconds.Sort();
        double Percentile(double p) => milliseconds[(int)Math.Min(milliseconds.Count - 1, p * milliseconds.Count)];
        var worst = milliseconds[^1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-34} min {milliseconds[0]:0.00} ms, p50 {Percentile(0.5):0.00} ms, p90 {Percentile(0.9):0.00} ms, max {worst:0.00} ms ({goalText}){(worst <= goal ? "" : " MISSED")}"));
        return worst;
    }

    /// <summary>The supervisor loop at 100 Hz on its own thread, fed frames and decisions by another, as the firmware runs it.</summary>
    private sealed class LiveUnit : IDisposable
    {
        private readonly Thread _feeder;
        private readonly ControlOptions _options;
        private volatile bool _stop;
        private volatile string _className = "rest";
        private long _neutralAt;

        public LiveUnit(ControlOptions options)
        {
            _options = options;
            Chair = new SimulatedWheelchair(options, TimeProvider.System);
            Pipeline = new ControlPipeline(new SafetySupervisor(options), Chair);
            Inputs.ReportChannels([new("C3", true), new("C4", true)]);
            Inputs.SetEStopClosed(true);
            Inputs.SetModelVerified(true);
            Inputs.SetModel("loop-test v1");
            Inputs.SetInhibit(false);
            Inputs.SetDecoderHealthy(true);
            _feeder = new Thread(Feed) { IsBackground = true };
            _feeder.Start();
            Loop = new SupervisorLoop(Pipeline, Inputs.Snapshot, TimeProvider.System, output =>
            {
                // Stamped on the loop thread as the tick's output is out: the latency without any polling.
                if (!output.Command.IsNeutral)
                {
                    Interlocked.Exchange(ref _neutralAt, 0);
                }
                else if (Interlocked.Read(ref _neutralAt) == 0)
                {
                    Interlocked.Exchange(ref _neutralAt, Stopwatch.GetTimestamp());
                }
            });
            Loop.Start();
        }

        public ControlInputs Inputs { get; } = new();

        public SimulatedWheelchair Chair { get; }

        public ControlPipeline Pipeline { get; }

        public SupervisorLoop Loop { get; }

        /// <summary>
        /// Arms and decodes "feet" until the chair moves; false when it would not in five attempts. The first arm
        /// request after a stop only releases the latch, so a stop is followed by another attempt.
        /// </summary>
        public bool ArmAndDrive()
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                _className = "rest";
                Thread.Sleep(120);
                Inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalButton));
                if (!WaitFor(() => Pipeline.Supervisor.State is SupervisorState.Armed or SupervisorState.SafeStop) || Pipeline.Supervisor.State != SupervisorState.Armed)
                {
                    continue;
                }

                Thread.Sleep(150);
                _className = "feet";
                if (WaitFor(() => !Chair.Command.IsNeutral || Pipeline.Supervisor.State == SupervisorState.SafeStop)
                    && !Chair.Command.IsNeutral && Pipeline.Supervisor.State == SupervisorState.Active)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The timestamp of the tick that went neutral, or 0 when it did not within 5 s.</summary>
        public long WaitForNeutral() => WaitFor(() => Interlocked.Read(ref _neutralAt) != 0) ? Interlocked.Read(ref _neutralAt) : 0;

        public void Dispose()
        {
            Loop.Dispose();
            _stop = true;
            _feeder.Join();
            Chair.Dispose();
        }

        private static bool WaitFor(Func<bool> condition)
        {
            var start = Stopwatch.GetTimestamp();
            while (!condition())
            {
                if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(5))
                {
                    return false;
                }

                Thread.Sleep(1);
            }

            return true;
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
                    Inputs.ReportDecision(new IntentDecision(_className, 0.95, 0.95, sample += 12, now - TimeSpan.FromMilliseconds(5), now));
                    nextDecision = now + TimeSpan.FromMilliseconds(_options.HopMs);
                }

                Thread.Sleep(2);
            }
        }
    }
}
