using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;
using EdgeBci.Training.Model;
using EdgeBci.Training.Transfer;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci camp-study</c>: the cross-subject measurements of issue 16 section 6 (see <see cref="CampStudy"/>). Each
/// held-out wearer gets a base pooled from the other subjects; prints one line per model and a table at the end.
/// Minutes of training: run it with <c>nice</c>, never from the test suite.
/// </summary>
internal static class CampStudyCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var data = DataFolder.CreateOption("Folder with S<subject>/S<subject>R<run>.edf.");
        var subjects = new Option<string>("--subjects") { Description = "All subjects of the study; each held-out wearer's base is the others.", DefaultValueFactory = _ => "1,2,3" };
        var heldOut = new Option<string>("--held-out") { Description = "Held-out wearers (calibrated on runs 4 and 8, tested on run 12).", DefaultValueFactory = _ => "2,3" };
        var auxiliary = new Option<string>("--auxiliary") { Description = "Executed runs in the base: without, with or both.", DefaultValueFactory = _ => "both" };
        var trials = new Option<string>("--trials") { Description = "Calibration trials per class.", DefaultValueFactory = _ => "10,20,30,45" };
        var epochs = new Option<string?>("--fine-tune-epochs") { Description = "Fine-tuning epochs to compare (default the shipped value)." };
        var rates = new Option<string?>("--fine-tune-lr") { Description = "Fine-tuning peak learning rates to compare (default the shipped value)." };
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Skip the wearer-alone decoder and CSP+LDA." };
        var command = new Command("camp-study", "Measures zero-shot, fine-tuned, wearer-alone and CSP+LDA decoders on held-out wearers (minutes of training).");
        foreach (var option in new Option[] { data, subjects, heldOut, auxiliary, trials, epochs, rates, noBaselines })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var all = TrainBaseCommand.ParseSubjects(parse.GetValue(subjects)!);
            var wearers = TrainBaseCommand.ParseSubjects(parse.GetValue(heldOut)!);
            var auxiliaryModes = parse.GetValue(auxiliary)!.Trim().ToUpperInvariant() switch
            {
                "WITHOUT" => new[] { false },
                "WITH" => [true],
                "BOTH" => [false, true],
                var other => throw new ArgumentException($"--auxiliary '{other}': use without, with or both."),
            };
            var epochList = parse.GetValue(epochs) is { } e ? TrainBaseCommand.ParseSubjects(e) : [WearerAdaptation.FineTuningEpochs];
            var rateList = parse.GetValue(rates) is { } r ? ParseRates(r) : [WearerAdaptation.FineTuningLearningRate];
            var fineTuning = epochList.SelectMany(epoch => rateList.Select(rate =>
                WearerAdaptation.FineTuningOptions() with { MaxEpochs = epoch, PeakLearningRate = rate })).ToArray();
            var perClass = TrainBaseCommand.ParseSubjects(parse.GetValue(trials)!);
            var progress = new ConsoleProgress(output);
            var rows = new List<CampStudyRow>();
            foreach (var wearer in wearers)
            {
                foreach (var withAuxiliary in auxiliaryModes)
                {
                    var plan = new CampStudyPlan(DataFolder.Resolve(parse.GetValue(data)), wearer, [.. all.Where(s => s != wearer)], withAuxiliary, perClass, fineTuning,
                        !parse.GetValue(noBaselines) && !withAuxiliary, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());
                    rows.AddRange(CampStudy.Run(plan, progress));
                }
            }

            output.WriteLine("| Wearer | Base | Model | Trials per class (left/rest/right) | Run 12 correct | Accuracy | p (chance: 1/K or the largest class's share) | Training |");
            output.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var row in rows)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| S{row.Wearer:000} | {(row.Auxiliary ? "+ executed" : "imagined")} | {row.Method} | {row.PerClass} | {row.Correct}/{row.Trials} | {row.Accuracy:P1} | {row.PValue:G3} | {row.TrainingTime.TotalSeconds:F1} s |"));
            }

            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static double[] ParseRates(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(entry =>
            double.TryParse(entry, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0
                ? rate
                : throw new ArgumentException($"--fine-tune-lr '{text}': '{entry}' is not a positive learning rate."))];
}
