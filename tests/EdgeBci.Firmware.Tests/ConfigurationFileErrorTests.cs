using System.Diagnostics;
using System.Text;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// Configuration the engineers edit by hand, with a typo: the real firmware process ends with exit code 2 (systemd's
/// RestartPreventExitStatus) and one line naming the file, line and byte, never an unhandled exception.
/// </summary>
public class ConfigurationFileErrorTests
{
    private string? _copy;

    [TearDown]
    public void DeleteCopy()
    {
        if (_copy is not null)
        {
            Directory.Delete(_copy, recursive: true);
            _copy = null;
        }
    }

    [TestCase("appsettings.json", "{\n  \"Board\": \"emulator\",\n  \"Ads1299\": {\n    \"SampleRate\": 250\n", "unclosed brace", 5)]
    [TestCase("appsettings.json", "{\n  \"Board\": \"emulator\",\n  \"Ads1299\": { \"SampleRate\": 25O }\n}\n", "bad token", 3)]
    [TestCase("appsettings.Production.json", "{\n  \"Mqtt\": {\n    \"Broker\": \"embedded\"\n  }\n  \"Board\": \"emulator\"\n}\n", "missing comma", 5)]
    [TestCase("appsettings.Production.json", "{\n  \"Board\": emulator\n}\n", "bad token", 2)]
    public void A_json_syntax_error_in_a_settings_file_is_one_line_naming_file_line_and_byte_and_exit_code_2(string file, string content, string what, int expectedLine)
    {
        _copy = CopyOfFirmware();
        var path = Path.Combine(_copy, file);
        File.WriteAllText(path, content);

        var (exitCode, output) = Run(Path.Combine(_copy, "EdgeBci.Firmware.dll"), [], new Dictionary<string, string>());

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), $"{what}: {output}");
            Assert.That(output, Does.Contain($"{path}: JSON syntax error at line {expectedLine}, byte "), what);
            Assert.That(output, Does.Contain("start-up stopped (configuration error)"));
            Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), "no stack trace");
            Assert.That(output, Does.Not.Contain("InvalidDataException"));
        });
    }

    [TestCase("env", "Ads1299__SampleRate")]
    [TestCase("prefixed env", "EDGEBCI_Ads1299__SampleRate")]
    [TestCase("command line", "--Ads1299:SampleRate")]
    public void A_malformed_number_from_the_environment_or_command_line_names_its_key_and_exits_2(string source, string key)
    {
        var environment = new Dictionary<string, string>();
        var args = new List<string>();
        if (key.StartsWith("--", StringComparison.Ordinal))
        {
            args.Add($"{key}=fast");
        }
        else
        {
            environment[key] = "fast";
        }

        var (exitCode, output) = Run(FirmwareProcess.FirmwareDll, args, environment);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), $"{source}: {output}");
            Assert.That(output, Does.Contain("SampleRate").And.Contain("fast"), source);
            Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), "no stack trace");
        });
    }

    [TestCase("--Control:DwellMs=0", "Control:DwellMs = 0 is out of range 500 (two hops, HopMs = 250 (derived from Decoding:HopSeconds = 0.25))")]
    [TestCase("--Decoding:EvidenceFactor=1", "Decoding:EvidenceFactor = 1 is out of range; use more than 0 and at most 0.5")]
    [TestCase("--Decoding:HopSeconds=0.9", "Control:DecisionMaxAgeMs is unset and would be raised automatically to HopMs + 150 = 1050")]
    public void A_setting_that_switches_the_gating_off_stops_start_up_naming_its_key_and_exit_code_2(string argument, string expected)
    {
        var (exitCode, output) = Run(FirmwareProcess.FirmwareDll, [argument], new Dictionary<string, string>());

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain(expected));
            Assert.That(output, Does.Contain("start-up stopped (configuration error)"));
            Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), "no stack trace");
        });
    }

    [Test]
    public void A_settings_file_saved_with_a_typo_while_the_unit_runs_neither_stops_nor_changes_it()
    {
        _copy = CopyOfFirmware();
        var settings = Path.Combine(_copy, "appsettings.json");
        using var firmware = FirmwareProcess.FromBuild(Path.Combine(_copy, "EdgeBci.Firmware.dll"));
        Assert.That(firmware.WaitUntil(output => output.Contains("SPS | frames", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), Is.True, firmware.Output);

        // An engineer's editor saves a half-finished file: the unit read its settings at start and goes on with them.
        File.WriteAllText(settings, "{\n  \"Board\": \"emulator\",\n  \"Ads1299\": { \"SampleRate\": 5");
        var linesAtEdit = firmware.CountLines("SPS | frames");
        Assert.That(
            firmware.WaitUntil(_ => firmware.CountLines("SPS | frames") >= linesAtEdit + 3, TimeSpan.FromSeconds(60)),
            Is.True,
            $"the unit stopped streaming after its settings file was broken:\n{firmware.Output}");

        Assert.Multiple(() =>
        {
            Assert.That(firmware.HasExited, Is.False, firmware.Output);
            Assert.That(firmware.Output, Does.Not.Contain("JSON syntax error").And.Not.Contain("Unhandled exception"));
        });
    }

    /// <summary>
    /// The firmware's build output linked into a folder of its own, so its settings files can be broken without
    /// touching the build other tests run (hard links: cheap; a plain copy where they are refused).
    /// </summary>
    private static string CopyOfFirmware()
    {
        var built = Path.GetDirectoryName(FirmwareProcess.FirmwareDll)!;
        var copy = Path.Combine(Path.GetDirectoryName(built)!, $"config-test-{Guid.NewGuid():N}");
        if (RunTool("cp", "-al", built, copy) != 0)
        {
            Assert.That(RunTool("cp", "-a", built, copy), Is.Zero, $"copy {built}");
        }

        // Hard links share content: the files this test rewrites must be files of their own.
        foreach (var settings in Directory.GetFiles(copy, "appsettings*.json"))
        {
            var text = File.ReadAllBytes(settings);
            File.Delete(settings);
            File.WriteAllBytes(settings, text);
        }

        return copy;
    }

    private static int RunTool(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    private static (int ExitCode, string Output) Run(string dll, IEnumerable<string> args, Dictionary<string, string> environment)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"edgebci-test-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Should the configuration be accepted after all, the unit must not meet other tests on its defaults.
        start.ArgumentList.Add($"--Control:CommandSocket={Path.Combine(scratch, "control.sock")}");
        start.ArgumentList.Add($"--Mqtt:EventQueuePath={Path.Combine(scratch, "events")}");
        start.ArgumentList.Add("--Mqtt:EmbeddedPort=0");
        start.ArgumentList.Add($"--Recording:Folder={Path.Combine(scratch, "recordings")}");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the firmware did not stop on the bad configuration:\n{output}");
        }

        process.WaitForExit();
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
