using EdgeBci.Cli.Camp;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Camp;
using Spectre.Console.Testing;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci calibrate</c> on the free-running emulator, and the console's cues at 80 columns.</summary>
public class CalibrateCommandTests
{
    private const string ShortProtocol = """
        {
          "name": "short",
          "classes": [
            { "name": "left", "code": "T1", "symbol": "←", "word": "LEFT" },
            { "name": "right", "code": "T2", "symbol": "→", "word": "RIGHT" }
          ],
          "trialsPerClass": 2,
          "blocks": 2,
          "timing": { "fixation": 1, "cue": 2, "restMin": 1.5, "restMax": 2 }
        }
        """;

    private static readonly string[] FastEmulator = ["--board", "emulator", "--pacing", "FreeRunning"];

    [Test]
    public void A_session_on_the_synthetic_source_prints_one_line_per_trial_and_where_it_was_recorded()
    {
        using var scratch = new ScratchFolder("calibrate");
        var protocol = Path.Combine(scratch.Path, "short.json");
        File.WriteAllText(protocol, ShortProtocol);

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", "w-1", "--protocol", protocol, "--data-root", scratch.Path, "--seed", "4", .. FastEmulator, "--source", "synthetic", "--session-only"]);

        Assert.That(exit, Is.Zero, output);
        var session = Directory.GetDirectories(Path.Combine(scratch.Path, "wearers", "w-1", "sessions")).Single();
        Assert.That(output, Does.Contain($"Recorded {Path.Combine(session, WearerFolder.RecordingFileName)} (2 left, 2 right; blocks "));
        Assert.That(output, Does.Contain($"Schedule {Path.Combine(session, WearerFolder.ScheduleFileName)}."));
        Assert.That(output.Split('\n').Count(line => line.StartsWith("block ", StringComparison.Ordinal)), Is.EqualTo(4), output);
        Assert.That(output, Does.Not.Contain("\a"), "a free-running session rings no bell");
        Assert.That(File.Exists(Path.Combine(session, WearerFolder.RecordingFileName)), Is.True);
    }

    [TestCase("Bob", "--wearer 'Bob': 'B' is not allowed")]
    [TestCase("a/b", "--wearer 'a/b': '/' is not allowed")]
    public void A_bad_wearer_id_is_refused_by_name(string id, string expected)
    {
        using var scratch = new ScratchFolder("calibrate");

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", id, "--data-root", scratch.Path, .. FastEmulator]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain(expected));
        Assert.That(Directory.Exists(Path.Combine(scratch.Path, "wearers")), Is.False);
    }

    [Test]
    public void A_protocol_file_error_names_the_file_and_the_key()
    {
        using var scratch = new ScratchFolder("calibrate");
        var protocol = Path.Combine(scratch.Path, "bad.json");
        File.WriteAllText(protocol, ShortProtocol.Replace("\"blocks\": 2", "\"blocks\": 0", StringComparison.Ordinal));

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", "w", "--protocol", protocol, "--data-root", scratch.Path, .. FastEmulator]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"{protocol}: \"blocks\" = 0 is not a whole number from 1 to 1000."));
    }

    [Test]
    public void Synthetic_cannot_be_mixed_with_recordings()
    {
        using var scratch = new ScratchFolder("calibrate");

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", "w", "--data-root", scratch.Path, .. FastEmulator,
            "--source", "synthetic", "--source", SharedData.Path("eegmmidb/S001/S001R04.edf")]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--source synthetic cannot be mixed with recordings"));
    }

    [Test]
    public void The_real_time_cues_fit_80_columns_with_an_arrow_a_big_word_a_cross_and_a_bell()
    {
        var console = new TestConsole().Width(ConsoleCuePresenter.MaximumWidth).Height(30);
        var presenter = new ConsoleCuePresenter(console, oneLinePerTrial: false, quiet: false);
        var protocol = CalibrationProtocol.Parse(ShortProtocol);
        var schedule = CueSchedule.FromProtocol(protocol, 250, seed: 1);
        var position = new TrialPosition(3, 4, 1, 2, 1234);

        presenter.SessionStarted(schedule);
        presenter.Rest(position, 1.8);
        presenter.Fixation(position, 1);
        presenter.Cue(position, protocol.Classes[0], 2);
        var left = console.Output;
        presenter.Cue(position, protocol.Classes[1], 2);
        presenter.BlockBreak(1, 2, 60);
        presenter.SessionEnded(new SessionSummary(4, 2, 30, "/x/calibration.bdf", true));

        var lines = console.Output.Split('\n');
        Assert.That(lines.Max(line => line.TrimEnd('\r').Replace("\a", string.Empty, StringComparison.Ordinal).Length), Is.LessThanOrEqualTo(80));
        Assert.That(console.Output.Count(c => c == '\a'), Is.EqualTo(2), "one bell per cue onset");
        Assert.That(console.Output, Does.Contain("████████"), "the fixation cross and the arrows are drawn large");
        Assert.That(lines.Count(line => line.Contains('█', StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(5 + 7 + 7));
        Assert.That(console.Output, Does.Contain("trial 3 of 4 · block 1 of 2 · ← LEFT for 2 s"));
        Assert.That(console.Output, Does.Contain("Block 1 of 2 done."));
        Assert.That(left, Does.Contain(" ██████████████████   "), "the left arrow's shaft");
    }

    [Test]
    public void Quiet_mutes_the_bell_and_a_free_running_session_prints_one_line_per_trial()
    {
        var console = new TestConsole().Width(ConsoleCuePresenter.MaximumWidth);
        var quiet = new ConsoleCuePresenter(console, oneLinePerTrial: false, quiet: true);
        var cue = new CueClass("left", "T1", "←", "LEFT");
        quiet.Cue(new TrialPosition(1, 2, 1, 1, 0), cue, 4);
        Assert.That(console.Output, Does.Not.Contain("\a"));

        var fast = new TestConsole().Width(ConsoleCuePresenter.MaximumWidth);
        var compact = new ConsoleCuePresenter(fast, oneLinePerTrial: true, quiet: false);
        compact.Rest(new TrialPosition(1, 2, 1, 1, 0), 2);
        compact.Fixation(new TrialPosition(1, 2, 1, 1, 500), 2);
        compact.Cue(new TrialPosition(1, 2, 1, 1, 1000), cue, 4);
        Assert.That(fast.Output.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1));
        Assert.That(fast.Output, Does.Contain("trial   1/2  ← LEFT   at    4.000 s"));
    }
}
