using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBci.Control.Local;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The safety supervisor wired into the real firmware, run as a child process on the emulator replaying the demo
/// recording: the make-run defaults arm once and turn the simulated wheelchair, every chip fault the emulator can inject
/// while running stops it with the output neutral, and switch-on with an intent decoded does not move before a fresh
/// local arm (a killed, hung or crashed firmware and its deadman circuit: <see cref="DeadmanTests"/>). The times are
/// printed; what is asserted is what the code decides (the reason, the order of events, a timeout that trips after it
/// has passed and not before). The timing goals themselves (neutral within 50 ms of the last good frame, the board within
/// its timeout + 25 ms of a kill) are measured by the benchmark (`-- safety`, SafetyTimingBenchmark): this shared 2-core
/// machine cannot promise them to a test.
/// </summary>
public partial class ControlTests
{
    private const double FrameTimeoutMilliseconds = 20;
    private static readonly TimeSpan BoardTrip = TimeSpan.FromSeconds(30);

    // The shipped three-class model first turns about 30 s into the demo (its rest class holds the chair still before);
    // the two-class model the other tests run turns within seconds.
    private static readonly TimeSpan UntilTurning = TimeSpan.FromSeconds(75);

    [Test]
    public void Make_run_defaults_arm_once_go_active_and_turn_the_simulated_wheelchair()
    {
        using var firmware = FirmwareProcess.WithShippedDefaults();

        var rearms = WaitUntilTurning(firmware);

        var output = firmware.Output;
        TestContext.Out.WriteLine(Turning(output)!.Value);
        var stallStops = Events(output).Where(IsLatchedStop).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("e-stop not wired on the emulator; reported closed"));
            Assert.That(output, Does.Contain("policy for the model's classes: left -> turn-left, rest -> stop, right -> turn-right"));
            Assert.That(output, Does.Not.Contain("the model has no rest class"));
            Assert.That(output, Does.Contain("supervisor: Boot -> Disarmed SwitchOn"));
            Assert.That(output, Does.Contain("auto-arm (Control:AutoArmOnEmulator): preconditions hold, arm requested as LocalCli"));
            Assert.That(CountOf(output, "auto-arm (Control:AutoArmOnEmulator): preconditions hold"), Is.EqualTo(1), "one automatic LocalCli request");
            Assert.That(Events(output).Count(e => e.Reason == "Armed"), Is.EqualTo(1 + rearms), "armed once by it, and once per re-arm after a stall's STOP");
            Assert.That(output, Does.Contain("Disarmed -> Armed Armed: armed by LocalCli"));
            Assert.That(output, Does.Match(@"Armed -> Active MoveStarted: 'turn-(left|right)' from '(left|right)'"));
            Assert.That(stallStops, Has.Count.EqualTo(rearms), "no STOP on a healthy replay but the ones this machine's stalls caused");
            Assert.That(stallStops.Select(e => e.Reason), Has.All.AnyOf(StallReasons), "a stall's STOP is a late frame, tick, acknowledgement or decision");
        });
    }

    [TestCase("stuck-drdy", "FrameTimeout")]
    [TestCase("electrode-off=3", "LeadOff")]
    [TestCase("railed=5", "Railing")]
    [TestCase("corrupt-status=500", "FrameTimeout")]
    public void A_chip_fault_injected_while_turning_stops_the_wheelchair_with_its_reason_and_the_output_neutral(string fault, string reason)
    {
        using var firmware = new FirmwareProcess();
        WaitUntilTurning(firmware);

        firmware.Send($"inject {fault}");

        // The console thread logs the injection just after setting it; the supervisor's thread may log the STOP first.
        Assert.That(firmware.WaitUntil(o => StopAfterFault().IsMatch(o) && o.Contains($"emulator fault injected: {fault} (console)", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            Is.True, firmware.Output);
        var stop = StopAfterFault().Match(firmware.Output);
        TestContext.Out.WriteLine(stop.Value);
        if (reason == "LeadOff" && StallReasons.Contains(stop.Groups["reason"].Value))
        {
            // A stall of this machine right at the injection: the frame timeout (20 ms) fired before the lead-off rule saw
            // its first frame (ci-37). Still a STOP with the output neutral; the acquisition must still report the
            // electrode off, and nothing may move.
            TestContext.Out.WriteLine($"a stall latched SafeStop {stop.Groups["reason"].Value} before {reason} could");
            var stoppedAt = firmware.Output.IndexOf(stop.Value, StringComparison.Ordinal);
            var seen = new Regex($@"\| lead-off \S*\b{ChannelOf(fault)}\b");
            Assert.That(stop.Groups["output"].Value, Is.EqualTo("neutral"));
            Assert.That(firmware.WaitUntil(o => seen.IsMatch(o[stoppedAt..]), TimeSpan.FromSeconds(10)), Is.True, firmware.Output[stoppedAt..]);
            Assert.That(Events(firmware.Output[stoppedAt..]).Where(e => e.Reason == "MoveStarted"), Is.Empty, "SafeStop is latched");
            return;
        }

        Assert.Multiple(() =>
        {
            Assert.That(firmware.Output, Does.Contain($"emulator fault injected: {fault} (console)"));
            Assert.That(stop.Groups["reason"].Value, Is.EqualTo(reason), stop.Value);
            Assert.That(stop.Groups["fault"].Value, Is.EqualTo(fault));
            Assert.That(stop.Groups["output"].Value, Is.EqualTo("neutral"));
            Assert.That(Events(firmware.Output).Any(e => e.To == "SafeStop" && e.Reason == reason), Is.True, "the supervisor event with its reason");
            AssertStopOrder(stop, reason);
        });

        // The platform's own state: command neutral, braked to a standstill, latched.
        var stopAt = firmware.Output.IndexOf(stop.Value, StringComparison.Ordinal);
        Assert.That(firmware.WaitUntil(o => StandingStill().IsMatch(o[stopAt..]), TimeSpan.FromSeconds(5)), Is.True, firmware.Output[stopAt..]);
        Assert.That(Events(firmware.Output[stopAt..]).Where(e => e.Reason == "MoveStarted"), Is.Empty, "SafeStop is latched");
    }

    [Test]
    public void A_fault_in_Emulator_Faults_is_injected_after_its_delay_and_stops_the_wheelchair()
    {
        // 12 s: the unit arms no earlier than the 5 s quality hold-off after streaming started; the fault must find it armed.
        const string Injected = "emulator fault injected: electrode-off=4 (Emulator:Faults:0, after 12 s)";
        using var firmware = new FirmwareProcess("--Emulator:Faults:0:Fault=electrode-off=4", "--Emulator:Faults:0:AfterSeconds=12");

        Assert.That(firmware.WaitUntil(o => o.Contains(Injected, StringComparison.Ordinal), TimeSpan.FromSeconds(40)), Is.True, firmware.Output);
        if (!firmware.WaitUntil(o => StopAfterFault().IsMatch(o), TimeSpan.FromSeconds(10)))
        {
            // A stall of this machine latched a STOP before the fault's time came, so no second STOP could follow: the
            // lead-off must still be seen, and nothing may move.
            var injectedAt = firmware.Output.IndexOf(Injected, StringComparison.Ordinal);
            var stallStop = Events(firmware.Output[..injectedAt]).LastOrDefault(IsLatchedStop);
            TestContext.Out.WriteLine($"a stall latched SafeStop {stallStop.Reason} before the configured fault was injected");
            Assert.That(stallStop.Reason, Is.AnyOf(StallReasons), firmware.Output);
            Assert.That(Events(firmware.Output[..injectedAt]).Last(e => e.To is "SafeStop" or "Armed" or "Active").To, Is.EqualTo("SafeStop"), "still latched when the fault came");
            Assert.That(firmware.WaitUntil(o => LeadOffOnCz().IsMatch(o[injectedAt..]), TimeSpan.FromSeconds(10)), Is.True, firmware.Output);
            Assert.That(Events(firmware.Output[injectedAt..]).Where(e => e.Reason == "MoveStarted"), Is.Empty, "SafeStop is latched");
            return;
        }

        var stop = StopAfterFault().Match(firmware.Output);
        TestContext.Out.WriteLine(stop.Value);
        Assert.Multiple(() =>
        {
            Assert.That(firmware.Output, Does.Contain("emulator fault injected: electrode-off=4 (Emulator:Faults:0, after 12 s)"));
            Assert.That(stop.Groups["reason"].Value, Is.EqualTo("LeadOff"));
            Assert.That(firmware.Output, Does.Contain("lead-off on Cz"));
            Assert.That(stop.Groups["output"].Value, Is.EqualTo("neutral"));
            AssertStopOrder(stop, "LeadOff");
        });
    }

    [Test]
    public void Switch_on_with_an_intent_decoded_does_not_move_before_a_fresh_local_arm()
    {
        using var firmware = new FirmwareProcess("--Control:AutoArmOnEmulator=false", "--Logging:LogLevel:EdgeBci.Firmware.DecodingService=Debug");

        // The decoder is confident of a move class while the unit is switched on and not armed.
        Assert.That(firmware.WaitUntil(o => Decisions(o).Count(d => d.Evidence >= 0.8) >= 4, TimeSpan.FromSeconds(40)), Is.True, firmware.Output);
        var beforeArm = firmware.Output;
        Assert.Multiple(() =>
        {
            Assert.That(beforeArm, Does.Contain($"control: arming needs a local action: 'edgebci arm' on the unit (socket {firmware.CommandSocket}) or 'arm' on the firmware's console"));
            Assert.That(beforeArm, Does.Not.Contain("auto-arm"));
            Assert.That(Events(beforeArm).Select(e => e.To), Has.None.EqualTo("Armed").And.None.EqualTo("Active"));
            Assert.That(Platform().Matches(beforeArm).Select(m => Number(m.Groups["turn"])), Has.All.EqualTo(0), "nothing moves while disarmed");
            Assert.That(Platform().Matches(beforeArm).Select(m => m.Groups["state"].Value), Has.All.EqualTo("Disarmed"));
        });

        // Armed by hand on the console while the intent is still there: it must be released and built up again first.
        // A stall of this machine may latch a STOP of its own before the move (a fail-safe, as designed): then the same
        // is done again from a fresh confident decision, and only the arm that led to the move is measured.
        // Bounded by time, as WaitUntilTurning is: stalls come in bursts, and a burst passes.
        int intentAtArm, armedAt;
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            Assert.That(clock.Elapsed, Is.LessThan(2 * UntilTurning), $"stalls kept latching a STOP before the move ({attempt} arms):\n{firmware.Output}");
            Assert.That(firmware.WaitUntil(o => Decisions(o).LastOrDefault().Evidence >= 0.8, TimeSpan.FromSeconds(30)), Is.True, firmware.Output);
            intentAtArm = Decisions(firmware.Output).Count - 1;
            armedAt = firmware.Output.Length;
            ArmOnTheConsole(firmware);
            var from = armedAt;
            Assert.That(firmware.WaitUntil(o => Events(o[from..]).Any(e => e.Reason == "MoveStarted" || IsLatchedStop(e)), TimeSpan.FromSeconds(30)), Is.True, firmware.Output);
            var next = Events(firmware.Output[from..]).First(e => e.Reason == "MoveStarted" || IsLatchedStop(e));
            if (next.Reason == "MoveStarted")
            {
                break;
            }

            TestContext.Out.WriteLine($"a stall latched SafeStop {next.Reason} before the move; armed again");
            Assert.That(next.Reason, Is.AnyOf(StallReasons), firmware.Output);
        }

        var output = firmware.Output;
        var armed = Events(output[armedAt..]).First(e => e.Reason == "Armed");
        var moved = Events(output[armedAt..]).First(e => e.Reason == "MoveStarted");
        // From the confident decision seen when "arm" was typed (the release may come just before the arm's tick or after it).
        // A release is what the supervisor counts as one: evidence below 0.80 or confidence below 0.50 (to the printed precision).
        var releases = Decisions(output[..output.IndexOf("MoveStarted", armedAt, StringComparison.Ordinal)]).Skip(intentAtArm).Count(d => d.Evidence < 0.8 || d.Confidence <= 0.5);
        TestContext.Out.WriteLine(FormattableString.Invariant($"armed at {armed.Time:0.0} ms, moved at {moved.Time:0.0} ms ({moved.Time - armed.Time:0} ms later), {releases} releasing decisions in between"));
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("local: Arm requested on the console (LocalCli)"));
            Assert.That(output, Does.Contain("console: 'arm' -> ok: Disarmed -> Armed: armed by LocalCli"));
            Assert.That(releases, Is.GreaterThan(0), "the intent present when arm was typed was released before anything moved");
            Assert.That(moved.Time - armed.Time, Is.GreaterThanOrEqualTo(500), "and then held for the dwell");
        });
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Edgebci_arm_disarm_stop_and_state_reach_the_supervisor_through_the_unit_s_command_socket()
    {
        using var firmware = new FirmwareProcess("--Control:AutoArmOnEmulator=false");
        var socket = firmware.CommandSocket!;
        // The socket listens before the supervisor's first tick; until that tick 'state' truthfully has nothing to say.
        Assert.That(firmware.WaitUntil(o => o.Contains($"control: local commands on {socket}", StringComparison.Ordinal)
            && o.Contains("supervisor: Boot -> Disarmed SwitchOn", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True, firmware.Output);
        Assert.That(File.GetUnixFileMode(socket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "only the firmware's user (and root) may command it");
        // The folder (here the firmware's scratch folder, made before the socket) is left as it is, and only its owner may write it.
        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(socket)!) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite), Is.EqualTo((UnixFileMode)0));

        Assert.That(Send(socket, "state").ToString(), Does.StartWith("ok: supervisor Disarmed"));
        Assert.That(Send(socket, "move forward").ToString(), Does.StartWith("error: 'move forward' is not a command; use arm, disarm, stop, state"));

        // Arm is answered by what the supervisor did: refused with the precondition while there is no decision yet,
        // armed once decisions flow.
        var replies = new List<LocalReply>();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(40) && (replies.Count == 0 || replies[^1].Kind != LocalReplyKind.Ok))
        {
            replies.Add(Send(socket, "arm"));
            Thread.Sleep(replies[^1].Kind == LocalReplyKind.Ok ? 0 : 500);
        }

        TestContext.Out.WriteLine(string.Join("\n", replies));
        Assert.That(replies[^1].ToString(), Does.Match(@"^ok: Disarmed -> Armed: armed by uid \d+( \([^)]*\))?, pid \d+ \(LocalCli\) with model 's001-left-vs-right v[^']+'"), firmware.Output);
        Assert.That(replies.Where(r => r.Kind != LocalReplyKind.Ok).Select(r => r.ToString()), Has.All.StartWith("refused: cannot arm: "));
        Assert.That(Send(socket, "arm").ToString(), Does.StartWith("ok: supervisor already Armed; nothing to do").Or.StartWith("ok: supervisor already Active"));

        var stop = Send(socket, "stop");
        Assert.That(stop.ToString(), Does.Match(@"^ok: (Armed|Active) -> SafeStop: stop requested on the unit \(uid \d+( \([^)]*\))?, pid \d+ \(LocalCli\)\)"));
        Assert.That(Send(socket, "state").ToString(), Does.StartWith("ok: supervisor SafeStop latched by LocalStop; simulated-wheelchair output neutral"));
        Assert.That(Send(socket, "disarm").ToString(), Does.Match(@"^ok: SafeStop -> Disarmed: disarmed \(uid \d+( \([^)]*\))?, pid \d+ \(LocalCli\)\)"));
        Assert.That(firmware.Output, Does.Match(@"local: Stop requested on the socket \(uid \d+( \([^)]*\))?, pid \d+\) \(LocalCli\)"), "the firmware names the caller the kernel reported (SO_PEERCRED)");
    }

    [Test]
    public void An_unhandled_exception_while_turning_stops_the_wheelchair_before_the_process_ends_and_the_board_stays_neutral()
    {
        var stateFile = Path.Combine(Path.GetTempPath(), $"edgebci-board-watchdog-{Guid.NewGuid():N}.json");
        try
        {
            using var firmware = new FirmwareProcess($"--Control:BoardWatchdogFile={stateFile}");
            WaitUntilTurning(firmware);
            Assert.That(firmware.WaitUntil(_ => ReadState(stateFile)?.State == "moving", UntilTurning), Is.True, firmware.Output);

            firmware.Send("inject unhandled-exception");

            var exitCode = firmware.WaitForExit(TimeSpan.FromSeconds(20));
            var output = firmware.Output;
            var stop = UnhandledStop().Match(output);
            TestContext.Out.WriteLine(stop.Value);
            Assert.Multiple(() =>
            {
                Assert.That(exitCode, Is.Not.Zero, "the process ends: an unhandled exception is not survivable");
                Assert.That(output, Does.Contain("control: pipeline fault reported to the supervisor: unhandled exception: InvalidOperationException: injected unhandled-exception (console)"));
                // From Active, or from Armed when the decoder's own intent drop came just before the fault (the chair still braking).
                Assert.That(Events(output).Any(e => IsLatchedStop(e) && e.Reason == "PipelineException"), Is.True, output);
                Assert.That(stop.Success, Is.True, "the STOP was logged before the process ended");
                Assert.That(stop.Groups["output"].Value, Is.EqualTo("neutral"));
                Assert.That(Number(stop.Groups["fromtick"]), Is.GreaterThanOrEqualTo(0), "neutral by the tick that saw the fault or after it, never before");
            });

            // The STOP's step cleared the enable with the output already neutral; should the process end before that
            // level left its pipe, the circuit drops the enable by its timeout instead. Either way it ends off.
            var state = WaitForTrip(stateFile);
            Assert.That(state, Is.Not.Null, $"the deadman circuit did not drop the enable within {BoardTrip}");
            TestContext.Out.WriteLine($"deadman circuit: {state!.Value}");
            Assert.Multiple(() =>
            {
                Assert.That(state.Value.State, Is.EqualTo("neutral"));
                Assert.That(state.Value.DropReason, Is.AnyOf("cleared", "timeout"));
                if (state.Value.DropReason == "cleared")
                {
                    Assert.That(state.Value.HeldState, Is.EqualTo("neutral"), "the firmware drove the output neutral itself before it cleared the enable");
                }
            });
        }
        finally
        {
            File.Delete(stateFile);
        }
    }

    private static int CountOf(string output, string fragment) => output.Split('\n').Count(line => line.Contains(fragment, StringComparison.Ordinal));

    /// <summary>
    /// What the STOP line's times must say whatever the machine's load: the STOP tick came after the last good frame (for
    /// a frame timeout, only once the timeout had passed) and after the fault was injected, and the output was neutral
    /// by that tick or after it. The distance itself is printed and goes to the benchmark.
    /// </summary>
    private static void AssertStopOrder(Match stop, string reason)
    {
        var tick = Number(stop.Groups["tick"]);
        var neutralBy = Number(stop.Groups["neutralby"]);
        var lastGood = Number(stop.Groups["lastgood"]);
        var injected = Number(stop.Groups["injected"]);
        Assert.That(tick, Is.GreaterThanOrEqualTo(lastGood), "the STOP tick follows the last good frame: " + stop.Value);
        Assert.That(tick, Is.GreaterThanOrEqualTo(injected), "the STOP follows the injected fault: " + stop.Value);
        Assert.That(neutralBy, Is.GreaterThanOrEqualTo(tick), "the output went neutral at the STOP tick or after it, never before: " + stop.Value);
        if (reason == "FrameTimeout")
        {
            Assert.That(tick - lastGood, Is.GreaterThanOrEqualTo(FrameTimeoutMilliseconds - 0.1), "a frame timeout trips once Control:FrameTimeoutMs has passed, not before: " + stop.Value);
        }
    }

    /// <summary>Reads the emulated deadman circuit's state file (it rewrites it on each change) until the enable is off after a drop.</summary>
    private static BoardState? WaitForTrip(string stateFile)
    {
        var deadline = Stopwatch.StartNew();
        BoardState? state;
        while ((state = ReadState(stateFile)) is not { Enable: "off", DropReason: not null } && deadline.Elapsed < BoardTrip)
        {
            Thread.Sleep(10);
        }

        return state is { Enable: "off", DropReason: not null } ? state : null;
    }

    private static LocalReply Send(string socket, string line) =>
        LocalCommandSocket.SendAsync(socket, line, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();

    [TestCase("--Control:MaxSped=1", "MaxSped")]
    [TestCase("--Control:MaxSpeed=5", "Control:MaxSpeed = 5")]
    [TestCase("--Control:Policy:left=jump", "Control:Policy:left = 'jump'")]
    [TestCase("--Control:RequiredChannels:0=O2", "Control:RequiredChannels names 'O2'")]
    public void A_bad_control_key_stops_start_up_with_the_key_and_exit_code_2(string argument, string expected)
    {
        using var firmware = new FirmwareProcess(argument);
        Assert.That(firmware.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(2), firmware.Output);
        Assert.That(firmware.Output, Does.Contain(expected));
        Assert.That(firmware.Output, Does.Not.Contain("   at "), "a message, not a stack trace");
    }

    [Test]
    public void Auto_arm_is_refused_on_a_real_board_before_any_hardware_is_touched()
    {
        using var firmware = new FirmwareProcess("--Board=rpi5", "--Control:AutoArmOnEmulator=true");
        Assert.That(firmware.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(2), firmware.Output);
        Assert.That(firmware.Output, Does.Contain("Control:AutoArmOnEmulator = true is refused on Board = 'rpi5'"));
    }

    /// <summary>The first state line with the simulated wheelchair turning while Active, or null.</summary>
    private static Match? Turning(string output) =>
        Platform().Matches(output).FirstOrDefault(m => m.Groups["state"].Value == "Active" && Math.Abs(Number(m.Groups["turn"])) > 0.05);

    /// <summary>The channel an injected fault such as "electrode-off=3" names (1-based) in the firmware's default montage.</summary>
    private static string ChannelOf(string fault) =>
        EdgeBci.Acquisition.Configuration.Ads1299Options.DefaultMontage[int.Parse(fault[(fault.IndexOf('=') + 1)..], CultureInfo.InvariantCulture) - 1];

    internal static IEnumerable<(string From, string To, string Reason, double Time)> Events(string output) =>
        SupervisorEvent().Matches(output).Select(m => (m.Groups["from"].Value, m.Groups["to"].Value, m.Groups["reason"].Value, Number(m.Groups["time"])));

    private static List<(string Class, double Confidence, double Evidence)> Decisions(string output) =>
        [.. Decision().Matches(output).Select(m => (m.Groups["class"].Value, Number(m.Groups["confidence"]), Number(m.Groups["evidence"])))];

    private static double Number(Group group) => double.Parse(group.Value, CultureInfo.InvariantCulture);

    private static BoardState? ReadState(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var drop = root.GetProperty("lastDrop");
            var dropped = drop.ValueKind == JsonValueKind.Object;
            return new BoardState(root.GetProperty("enable").GetString()!, root.GetProperty("state").GetString()!, root.GetProperty("mirrored").GetProperty("state").GetString()!,
                dropped ? drop.GetProperty("reason").GetString() : null, dropped ? drop.GetProperty("held").GetProperty("state").GetString() : null);
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"platform: simulated-wheelchair x (?<x>-?\d+\.\d+) m y (?<y>-?\d+\.\d+) m heading (?<heading>-?\d+\.\d+) deg speed (?<speed>-?\d+\.\d+) m/s turn (?<turn>-?\d+\.\d+) rad/s \| command (?<command>[^|]+?) \| supervisor (?<state>\w+)")]
    private static partial Regex Platform();

    [GeneratedRegex(@"platform: simulated-wheelchair .* speed -?0\.00 m/s turn -?0\.00 rad/s \| command neutral \| supervisor SafeStop")]
    private static partial Regex StandingStill();

    [GeneratedRegex(@"supervisor: (?<from>\w+) -> (?<to>\w+) (?<reason>\w+): .* \(at (?<time>\d+\.\d) ms\)")]
    private static partial Regex SupervisorEvent();

    [GeneratedRegex(@"STOP (?<reason>\w+): output (?<output>\w+) (?<good>-?\d+\.\d) ms after the last good frame, (?<sincefault>-?\d+\.\d) ms after the fault '(?<fault>[^']+)' was injected \(STOP tick (?<tick>-?\d+\.\d) ms, neutral by (?<neutralby>-?\d+\.\d) ms, last good frame (?<lastgood>-?\d+\.\d) ms, injected (?<injected>-?\d+\.\d) ms\).*")]
    private static partial Regex StopAfterFault();

    [GeneratedRegex(@"\| lead-off \S*Cz")]
    private static partial Regex LeadOffOnCz();

    [GeneratedRegex(@"decision #\d+: window \w+ p=(?<confidence>\d\.\d\d), evidence (?<class>\w+) (?<evidence>\d\.\d\d),")]
    private static partial Regex Decision();

    [GeneratedRegex(@"STOP PipelineException: output (?<output>\w+) (?<fromtick>-?\d+\.\d) ms after the tick that saw it.*")]
    private static partial Regex UnhandledStop();

    private readonly record struct BoardState(string Enable, string State, string Mirrored, string? DropReason, string? HeldState);
}
