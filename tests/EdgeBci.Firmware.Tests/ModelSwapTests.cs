using System.Text.RegularExpressions;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// Models in the running firmware (issue 14): a model that fails on its warm-up window leaves the unit up without a
/// decoder at boot, and is refused in a swap with the running model kept; a model whose output is not a Softmax is
/// refused; a rewritten bundle is staged while the supervisor is armed and takes over only once it is disarmed, and
/// the swap arms nothing.
/// </summary>
public partial class ModelSwapTests
{
    private const string Shipped = "s001-left-vs-right 2026.11.25 (Int8)";
    private static readonly string[] StallReasons = ["FrameTimeout", "DecisionTimeout", "DecisionStale", "ActuatorNoAck", "ActuatorWatchdog"];
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(40);

    private ScratchFolder _copy = null!;
    private ModelManifest _manifest = null!;

    private string Folder => _copy.Path;

    [SetUp]
    public void CopyTheShippedBundle()
    {
        _copy = new ScratchFolder("firmware-swap", Path.Combine(Path.GetDirectoryName(FirmwareProcess.FirmwareDll)!, "models", "s001-left-vs-right"));
        _manifest = ModelBundle.Load(Folder, ModelTrustPolicy.None).Manifest;
    }

    [TearDown]
    public void DeleteCopy() => _copy.Dispose();

    [Test]
    public void A_model_that_fails_when_run_leaves_the_unit_running_without_a_decoder_and_unable_to_arm()
    {
        OnnxTestModels.WriteBundle(Folder, _manifest, OnnxTestModels.FailsWhenRun(8, 500), _manifest.ModelId, "fails-1");

        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}");

        Assert.That(firmware.WaitUntil(o => o.Contains("decoder: none, ", StringComparison.Ordinal), Long), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain("the model loads but fails when run on the warm-up window").And.Contain("nothing may move"));

        // Refused for the model once the channels have settled (until then for the hold-off, which comes first).
        var refusal = ArmUntilRefusedFor(firmware, "the model is not verified (ModelFault)");
        var before = firmware.Output.Length;
        firmware.Send("state");
        Assert.That(firmware.WaitUntil(o => o.Length > before && o[before..].Contains("console: 'state' -> ", StringComparison.Ordinal), Long), Is.True, firmware.Output);

        TestContext.Out.WriteLine(refusal);
        Assert.That(firmware.HasExited, Is.False, "the host keeps running: " + firmware.Output);
        Assert.That(firmware.Output[before..], Does.Contain("console: 'state' -> ok: supervisor Disarmed"));
        Assert.That(firmware.Output, Does.Not.Contain("decoding stopped").And.Not.Contain("-> Armed"));
    }

    [Test]
    public void A_model_whose_output_turns_NaN_on_the_live_signal_is_a_model_fault_STOP_and_nothing_arms_after_it()
    {
        // Ends in a Softmax and gives [0.5, 0.5] on the warm-up window, so it loads; the live EEG makes it NaN. The
        // emulator's automatic arm and the first classified window both wait for the quality hold-off, so the unit may
        // be armed when the fault comes (then a ModelFault STOP) or not yet (then the arm is refused).
        OnnxTestModels.WriteBundle(Folder, _manifest, OnnxTestModels.NaNUnlessZero(8, 500), _manifest.ModelId, "nan-1");

        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}");

        const string Fault = "decoder: model fault: ";
        Assert.That(firmware.WaitUntil(o => o.Contains(Fault, StringComparison.Ordinal), Long), Is.True, firmware.Output);
        var refusal = ArmUntilRefusedFor(firmware, "the model is not verified (ModelFault)");
        Assert.That(firmware.WaitUntil(o => o.Contains("faulted, no decisions", StringComparison.Ordinal), Long), Is.True, "the per-second line says so");

        var output = firmware.Output;
        var faultAt = output.IndexOf(Fault, StringComparison.Ordinal);
        var armedBefore = Events(output[..faultAt]).LastOrDefault().To is "Armed" or "Active";
        TestContext.Out.WriteLine(output[faultAt..].Split('\n')[0]);
        TestContext.Out.WriteLine(armedBefore ? "armed when the fault came" : "not armed when the fault came");
        TestContext.Out.WriteLine(refusal);
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("verified and warmed up"));
            Assert.That(output, Does.Match($@"model {_manifest.ModelId} nan-1 \(Int8\), window #\d+: probability \d \('(left|right)'\) is NaN, not a finite number"));
            // The supervisor logs from its own thread: an arm decided on the status read just before the fault reached it
            // can print after the fault's line. Such an arm must be stopped at once, and nothing arms after that STOP.
            var after = Events(output[faultAt..]).ToList();
            var racedArm = after.FindIndex(e => e.To is "Armed" or "Active");
            var stopAfterRace = racedArm < 0 ? -1 : after.FindIndex(racedArm, e => e.To == "SafeStop");
            if (racedArm >= 0)
            {
                TestContext.Out.WriteLine($"an arm raced the fault: {after[racedArm]}");
                Assert.That(stopAfterRace, Is.GreaterThan(racedArm), "an arm that raced the fault is stopped");
                Assert.That(after[stopAfterRace].Reason, Is.EqualTo("ModelFault").Or.AnyOf(StallReasons));
            }

            Assert.That(after.Skip(stopAfterRace + 1).Where(e => e.To is "Armed" or "Active"), Is.Empty, "nothing arms after the fault");
            Assert.That(firmware.HasExited, Is.False);
        });
        if (armedBefore)
        {
            // The STOP that follows is ModelFault, unless a stall of this machine latched one of its own in the same
            // moment; either way the output went neutral and the model fault keeps every later arm refused.
            var stop = Events(output[faultAt..]).First(e => e.From is "Armed" or "Active");
            TestContext.Out.WriteLine($"then {stop.From} -> {stop.To} {stop.Reason}");
            Assert.That(stop.To, Is.EqualTo("SafeStop"));
            Assert.That(stop.Reason, Is.EqualTo("ModelFault").Or.AnyOf(StallReasons));
            Assert.That(output[faultAt..], Does.Match($@"STOP {stop.Reason}: output neutral"));
        }
    }

    [Test]
    public void A_new_bundle_that_fails_when_run_or_outputs_logits_is_refused_and_the_running_model_continues()
    {
        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}", "--Control:AutoArmOnEmulator=false");
        Assert.That(firmware.WaitUntil(o => o.Contains("verified and warmed up", StringComparison.Ordinal), Long), Is.True, firmware.Output);

        OnnxTestModels.WriteBundle(Folder, _manifest, OnnxTestModels.FailsWhenRun(8, 500), _manifest.ModelId, "fails-2");
        Assert.That(firmware.WaitUntil(o => o.Contains("new model refused", StringComparison.Ordinal), Long), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain("the running one continues: ").And.Contain("the model loads but fails when run on the warm-up window"));
        AssertStillDecodingWith(firmware, Shipped);

        OnnxTestModels.WriteBundle(Folder, _manifest, OnnxTestModels.LogitsOnly(8, 500), _manifest.ModelId, "logits-3");
        Assert.That(firmware.WaitUntil(o => o.Contains("it comes from node 'classifier' (MatMul)", StringComparison.Ordinal), Long), Is.True, firmware.Output);
        AssertStillDecodingWith(firmware, Shipped);

        Assert.That(firmware.HasExited, Is.False);
        Assert.That(firmware.Output, Does.Not.Contain("staged").And.Not.Contain("swapped in").And.Not.Contain("decoding stopped"));
    }

    [Test]
    public void A_rewritten_bundle_is_staged_while_armed_and_takes_over_only_once_disarmed_arming_nothing()
    {
        // The timeouts at the top of their ranges: this test is about the swap gate, and every stall of this shared
        // machine that latches a STOP (frame, acknowledgement, heartbeat, decision) opens the gate and costs an attempt.
        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}", "--Control:FrameTimeoutMs=50", "--Control:ActuatorAckTimeoutMs=1000",
            "--Control:HeartbeatTimeoutMs=1000", "--Control:HopMs=500", "--Control:DwellMs=1000", "--Control:DecisionMaxAgeMs=1000");
        Assert.That(firmware.WaitUntil(o => Events(o).Any(e => e.To == "Armed"), Long), Is.True, "the emulator's automatic arm: " + firmware.Output);

        // Staged while armed. A stall of this shared machine may latch a STOP around the staging (which permits the
        // swap, as designed): then the unit is armed again and a newer version staged, until one is staged and stays
        // staged while the supervisor is armed throughout.
        string model;
        int stagedAt;
        for (var attempt = 1; ; attempt++)
        {
            EnsureArmed(firmware);
            var from = firmware.Output.Length;
            var version = $"staged-{attempt}";
            model = $"{_manifest.ModelId} {version} (Int8)";
            var files = _manifest.Files.ToDictionary(f => f.Name, f => File.ReadAllBytes(Path.Combine(Folder, f.Name)));
            ModelBundle.Write(Folder, _manifest with { ModelVersion = version }, files);
            var staged = $"decoder: {model} verified, warmed up and staged, takes effect when disarmed";
            Assert.That(firmware.WaitUntil(o => o[from..].Contains(staged, StringComparison.Ordinal), Long), Is.True, firmware.Output);
            stagedAt = firmware.Output.IndexOf(staged, from, StringComparison.Ordinal);

            // Two per-second summaries after staging: the armed unit still decodes with the model it was armed with.
            var armedWith = $"decoder: {RunningModel(firmware.Output[..stagedAt])} |";
            Assert.That(firmware.WaitUntil(o => Count(o[stagedAt..], armedWith) >= 2 || o[stagedAt..].Contains("swapped in", StringComparison.Ordinal), Long),
                Is.True, firmware.Output[stagedAt..]);
            // One more platform line, so a supervisor event of the same moment is in the log before it is read.
            var seen = firmware.Output.Length;
            firmware.WaitUntil(o => o[seen..].Contains("platform: ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            var armedAtStaging = Events(firmware.Output[..stagedAt]).LastOrDefault().To is "Armed" or "Active";
            var whileStaged = firmware.Output[stagedAt..];
            if (armedAtStaging && !Events(whileStaged).Any(e => e.To is "SafeStop" or "Disarmed"))
            {
                Assert.That(whileStaged, Does.Not.Contain("swapped in"), "no swap while armed");
                Assert.That(Count(whileStaged, armedWith), Is.GreaterThanOrEqualTo(2));
                break;
            }

            Assert.That(attempt, Is.LessThan(8), "stalls kept stopping the unit around the staging: " + firmware.Output);
            TestContext.Out.WriteLine($"attempt {attempt}: a stall's STOP around the staging of {version}; arming again");
        }

        var disarmAt = firmware.Output.Length;
        firmware.Send("disarm");
        // Searched from the staging on: a stall's STOP just before the disarm would have permitted the swap already.
        var swapped = $"decoder: swapped in {model} from window #";
        Assert.That(firmware.WaitUntil(o => o[stagedAt..].Contains(swapped, StringComparison.Ordinal), Long), Is.True, firmware.Output[stagedAt..]);
        Assert.That(firmware.WaitUntil(o => o[disarmAt..].Contains("console: 'disarm' -> ", StringComparison.Ordinal), Long), Is.True, firmware.Output[disarmAt..]);
        Assert.That(firmware.Output[disarmAt..], Does.Match(@"console: 'disarm' -> ok: (Armed|Active|SafeStop) -> Disarmed"));

        // After the swap: decisions from the new model, and the supervisor stays disarmed (a new local arm is needed).
        var swappedAt = firmware.Output.IndexOf(swapped, stagedAt, StringComparison.Ordinal);
        Assert.That(firmware.WaitUntil(o => Count(o[swappedAt..], $"decoder: {model} |") >= 3, Long), Is.True, firmware.Output[swappedAt..]);
        Assert.That(Events(firmware.Output[swappedAt..]).Where(e => e.To is "Armed" or "Active"), Is.Empty, firmware.Output[swappedAt..]);
        TestContext.Out.WriteLine(firmware.Output[stagedAt..].Split('\n')[0]);
        TestContext.Out.WriteLine(firmware.Output[swappedAt..].Split('\n')[0]);
    }

    private static void EnsureArmed(FirmwareProcess firmware)
    {
        if (Events(firmware.Output).LastOrDefault().To is not ("Armed" or "Active"))
        {
            ArmOnTheConsole(firmware);
        }
    }

    /// <summary>Types "arm" on the console until the refusal names <paramref name="reason"/>; returns that reply.</summary>
    private static string ArmUntilRefusedFor(FirmwareProcess firmware, string reason)
    {
        for (var attempt = 0; attempt < 80; attempt++)
        {
            var before = firmware.Output.Length;
            firmware.Send("arm");
            Assert.That(firmware.WaitUntil(o => o.Length > before && o[before..].Contains("console: 'arm' -> ", StringComparison.Ordinal), Long), Is.True, firmware.Output);
            var reply = firmware.Output[before..].Split('\n').First(l => l.Contains("console: 'arm' -> ", StringComparison.Ordinal));
            // Refused, or "already ..." for an arm consumed in the tick a STOP latched: never armed.
            Assert.That(reply, Does.Not.Contain("-> Armed"), "nothing can arm without a verified model");
            if (reply.Contains(reason, StringComparison.Ordinal))
            {
                return reply;
            }

            // Waiting for the next supervisor summary paces the attempts without a sleep.
            var next = firmware.Output.Length;
            firmware.WaitUntil(o => o.Length > next && o[next..].Contains("platform: ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        }

        Assert.Fail($"an arm was never refused for '{reason}':\n{firmware.Output}");
        return string.Empty;
    }

    /// <summary>Types "arm" on the console until it is accepted (refused while a precondition, such as a fresh decision, is missing).</summary>
    private static void ArmOnTheConsole(FirmwareProcess firmware)
    {
        for (var attempt = 0; attempt < 80; attempt++)
        {
            var before = firmware.Output.Length;
            firmware.Send("arm");
            Assert.That(firmware.WaitUntil(o => o.Length > before && o[before..].Contains("console: 'arm' -> ", StringComparison.Ordinal), Long), Is.True, firmware.Output);
            if (firmware.Output[before..].Contains("console: 'arm' -> ok", StringComparison.Ordinal))
            {
                return;
            }

            var next = firmware.Output.Length;
            firmware.WaitUntil(o => o.Length > next && o[next..].Contains("platform: ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        }

        Assert.Fail($"the unit could not be armed on its console:\n{firmware.Output}");
    }

    private static void AssertStillDecodingWith(FirmwareProcess firmware, string model)
    {
        var from = firmware.Output.Length;
        Assert.That(firmware.WaitUntil(o => o.Length > from && Count(o[from..], $"decoder: {model} |") >= 1, Long), Is.True, "the running model continues: " + firmware.Output);
    }

    /// <summary>The model of the last per-second decoder summary in <paramref name="output"/>.</summary>
    private static string RunningModel(string output) => Summary().Matches(output)[^1].Groups["model"].Value;

    private static int Count(string output, string fragment) => output.Split('\n').Count(line => line.Contains(fragment, StringComparison.Ordinal));

    private static IEnumerable<(string From, string To, string Reason)> Events(string output) =>
        SupervisorEvent().Matches(output).Select(m => (m.Groups["from"].Value, m.Groups["to"].Value, m.Groups["reason"].Value));

    [GeneratedRegex(@"supervisor: (?<from>\w+) -> (?<to>\w+) (?<reason>\w+): ")]
    private static partial Regex SupervisorEvent();

    [GeneratedRegex(@"decoder: (?<model>\S+ \S+ \(\w+\)) \| \d+ windows")]
    private static partial Regex Summary();
}
