using System.Diagnostics;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// How the control tests live with this shared 2-core machine: a stall of it can latch a STOP of the supervisor's own
/// (its fail-safe for a late frame, tick, acknowledgement or decision, as designed). Such a STOP is told apart from the
/// one a test provokes and answered as a user would, with a local re-arm.
/// </summary>
public partial class ControlTests
{
    /// <summary>The STOPs a stall of the machine (not the code) can cause while the unit replays healthy EEG.</summary>
    internal static readonly string[] StallReasons = ["FrameTimeout", "DecisionTimeout", "DecisionStale", "ActuatorNoAck", "ActuatorWatchdog"];

    /// <summary>
    /// Waits until the simulated wheelchair turns. A real stall of this shared machine can latch a STOP of its own first
    /// (the supervisor's fail-safe for a late frame, tick, acknowledgement or decision, as designed); the unit is then
    /// re-armed on its console, as a user would, and the wait goes on. Returns how many re-arms it took; when it returns,
    /// the supervisor's last event is the move (no STOP since).
    /// </summary>
    private static int WaitUntilTurning(FirmwareProcess firmware)
    {
        // Bounded by time, not by a count: stalls come in bursts (six STOPs in two seconds while another worktree ran
        // its firmware tests), and a burst passes.
        var clock = Stopwatch.StartNew();
        var from = 0;
        for (var rearms = 0; clock.Elapsed < 2 * UntilTurning; rearms++)
        {
            Assert.That(firmware.WaitUntil(o => Turning(o[from..]) is not null || Events(o[from..]).Any(IsLatchedStop), UntilTurning), Is.True, firmware.Output);
            var output = firmware.Output;
            var stop = Events(output[from..]).FirstOrDefault(IsLatchedStop);
            if (stop.To is null)
            {
                return rearms;
            }

            TestContext.Out.WriteLine($"a stall latched SafeStop {stop.Reason} before the wheelchair turned; re-armed on the console");
            Assert.That(stop.Reason, Is.AnyOf(StallReasons), output);
            // From the Armed event on, not from the end of the output: a stall can latch the next STOP before the console's
            // reply to the arm is logged, and that STOP must not be skipped.
            from = ArmOnTheConsole(firmware);
        }

        Assert.Fail($"stalls kept latching a STOP for {2 * UntilTurning} before the wheelchair turned:\n{firmware.Output}");
        return 0;
    }

    /// <summary>
    /// Types "arm" on the console until it is accepted (it is refused while a precondition, such as a fresh decision, is
    /// missing); returns where in the output the supervisor's Armed event is.
    /// </summary>
    internal static int ArmOnTheConsole(FirmwareProcess firmware)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var before = firmware.Output.Length;
            firmware.Send("arm");
            Assert.That(firmware.WaitUntil(o => o.Length > before && o[before..].Contains("console: 'arm' -> ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), Is.True, firmware.Output);
            var output = firmware.Output;
            if (output[before..].Contains("console: 'arm' -> ok", StringComparison.Ordinal))
            {
                var armed = output.IndexOf("-> Armed Armed: ", before, StringComparison.Ordinal);
                return armed < 0 ? before : output.LastIndexOf('\n', armed) + 1;
            }

            Thread.Sleep(250);
        }

        Assert.Fail($"the unit could not be re-armed on its console:\n{firmware.Output}");
        return 0;
    }

    /// <summary>A transition into SafeStop (a refused arm while latched is SafeStop -> SafeStop, not a new STOP).</summary>
    internal static bool IsLatchedStop((string From, string To, string Reason, double Time) e) => e.To == "SafeStop" && e.From != "SafeStop";
}
