using System.Globalization;
using EdgeBci.Training.Camp;
using EdgeBci.Training.Gate;
using Spectre.Console;

namespace EdgeBci.Cli.Camp;

/// <summary>
/// calibrate's steps after the session, as the engineer sees them: training progress, the gate's checks with the
/// measured and required values, what to do when it says no, and where the model went.
/// </summary>
internal static class CalibrationReport
{
    /// <returns>0 when the model passed (and was installed unless --no-install), 1 when the gate refused it.</returns>
    public static int TrainJudgeAndInstall(IAnsiConsole output, CalibrationPlan plan, SessionResult session, CalibrationProtocol protocol, string commandLine, int seed)
    {
        output.MarkupLine(Markup.Escape($"Adapting {plan.Base} to wearer '{session.Wearer.Id}'."));
        var outcome = CalibrationTraining.Run(
            new CalibrationTrainingRequest(session, protocol, plan.Base, plan.Unit, plan.ModelVersion, commandLine, DateTimeOffset.UtcNow, plan.Gate, EvaluateCommand.ToolVersion(), seed),
            new ConsoleProgress(output));
        output.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Trained on {outcome.CalibrationTrials} trials in {outcome.TrainingTime.TotalSeconds:0.0} s; judged on the last block's {outcome.HeldOutTrials} trials.")));
        Print(output, outcome);

        var verdict = outcome.Gate.Passed ? "[green]PASSED[/]" : "[red]REFUSED[/]";
        output.MarkupLine($"Acceptance gate: {verdict}. Model kept in {Markup.Escape(outcome.BundleFolder)} (gate.txt, gate.json and the report, report.html, beside it).");
        if (!outcome.Gate.Passed)
        {
            output.MarkupLine("What to do:");
            foreach (var advice in outcome.Gate.Advice)
            {
                output.MarkupLine($"  - {Markup.Escape(advice)}");
            }

            output.MarkupLine("Nothing was installed: the unit keeps its current model.");
            return EdgeBciCommand.Failed;
        }

        if (plan.InstallPath is null)
        {
            output.MarkupLine("Not installed (--no-install).");
            return EdgeBciCommand.Success;
        }

        WearerModelInstaller.Install(outcome.BundleFolder, outcome.Gate, plan.InstallPath, plan.Signer);
        output.MarkupLine(Markup.Escape(
            $"Installed to {plan.InstallPath}: the firmware verifies and stages it, and takes it up once the supervisor is disarmed."));
        ModelSigningOptions.ReportSigned(output, plan.InstallPath, plan.Signer);
        return EdgeBciCommand.Success;
    }

    private static void Print(IAnsiConsole output, CalibrationOutcome outcome)
    {
        var table = new Table().AddColumn("Check").AddColumn("Result").AddColumn("Detail");
        foreach (var check in outcome.Gate.Checks)
        {
            table.AddRow(Markup.Escape(check.Name), check.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(check.Detail));
        }

        output.Write(table);
        var score = outcome.Replay.Score;
        output.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Live replay of the held-out block: {score.CuedWay} of {score.Cues} cues the cued way, {score.WrongWay} the wrong way, {score.NoMove} no move; " +
            $"{score.RestMovesPerMinute:0.00} moves per minute of rest; ITR {score.ItrBitsPerMinute:0.00} bits/min.")));
    }
}
