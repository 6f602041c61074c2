using System.Diagnostics;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Alignment;
using EdgeBci.Training.Baseline;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Transfer;

/// <summary>What <see cref="CampStudy"/> measures and on what.</summary>
/// <param name="Folder">The eegmmidb folder (S001, S002, ...).</param>
/// <param name="HeldOut">The wearer: calibrated on runs 4 and 8, tested on run 12 (one decision per trial).</param>
/// <param name="BaseSubjects">The subjects pooled into the base model (never the held-out one).</param>
/// <param name="Auxiliary">Add each base subject's executed runs (rest-left-right-executed) to the base.</param>
/// <param name="TrialsPerClass">Calibration sizes: the first N trials of each class of runs 4 and 8, chronologically (capped at what the runs hold).</param>
/// <param name="FineTuning">Fine-tuning option sets to compare (e.g. to choose the defaults on a wearer that is not reported).</param>
/// <param name="WithBaselines">Also train the wearer-alone decoder and CSP+LDA on every calibration size.</param>
public sealed record CampStudyPlan(
    string Folder,
    int HeldOut,
    IReadOnlyList<int> BaseSubjects,
    bool Auxiliary,
    IReadOnlyList<int> TrialsPerClass,
    IReadOnlyList<TrainingOptions> FineTuning,
    bool WithBaselines,
    IReadOnlyList<string> Montage,
    ReplaySettings Device,
    SignalOptions Signal,
    int Seed = 7);

/// <summary>One line of the study: a model on the held-out wearer's run 12.</summary>
/// <param name="Method">"zero-shot", "fine-tuned (E epochs, lr L)", "wearer alone", "CSP+LDA".</param>
/// <param name="PerClass">Calibration trials per class actually used (left/rest/right), empty for zero-shot.</param>
public sealed record CampStudyRow(int Wearer, bool Auxiliary, string Method, string PerClass, int Correct, int Trials, double PValue, TimeSpan TrainingTime)
{
    public double Accuracy => (double)Correct / Trials;
}

/// <summary>
/// Section 6 of issue 16 on the engine (fp32): a held-out wearer, a base pooled from other subjects, and what zero-shot,
/// fine-tuning on N trials per class, the wearer alone and CSP+LDA score on the wearer's run 12, with the one-sided
/// binomial p against chance. An experiment, not a test: it trains several models (minutes), so it runs only from
/// <c>edgebci camp-study</c>.
/// </summary>
public static class CampStudy
{
    private static readonly int[] CalibrationRuns = [4, 8];
    private const int TestRun = 12;

    public static IReadOnlyList<CampStudyRow> Run(CampStudyPlan plan, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.BaseSubjects.Contains(plan.HeldOut))
        {
            throw new ArgumentException($"Subject {plan.HeldOut} is held out; it cannot also be in the base pool [{string.Join(", ", plan.BaseSubjects)}].");
        }

        var task = TaskDefinition.RestLeftRight;
        var calibrationPaths = CalibrationRuns.Select(run => DatasetBuilder.RunPath(plan.Folder, plan.HeldOut, run)).ToArray();
        var calibration = DatasetBuilder.Build(calibrationPaths, task, plan.Montage, plan.Device, plan.Signal, cropMarginSeconds: 0.5);
        var test = DatasetBuilder.Build([DatasetBuilder.RunPath(plan.Folder, plan.HeldOut, TestRun)], task, plan.Montage, plan.Device, plan.Signal);
        var pooled = PooledDataset.Build(plan.Folder, plan.BaseSubjects, task, plan.Auxiliary ? TaskDefinition.RestLeftRightExecuted : null,
            plan.Montage, plan.Device, plan.Signal, cropMarginSeconds: 0.5);
        var clock = Stopwatch.StartNew();
        var shape = DecoderTrainer.ShapeFor(pooled.Dataset, plan.Seed) with { InputScaleMicrovolts = EuclideanAlignment.AlignedInputScale };
        var (baseDecoder, _) = DecoderTrainer.Train(pooled.Dataset, shape, DecoderTrainer.OptionsFor(pooled.Dataset, plan.Seed));
        log?.Report($"S{plan.HeldOut:000}: base on [{string.Join(", ", plan.BaseSubjects)}]{(plan.Auxiliary ? " + executed" : string.Empty)}, {pooled.Dataset.Count} windows, trained in {clock.Elapsed.TotalSeconds:F0} s");

        var rows = new List<CampStudyRow>();
        void Add(string method, string perClass, int[] predictions, TimeSpan time)
        {
            var correct = 0;
            for (var i = 0; i < predictions.Length; i++)
            {
                correct += predictions[i] == test.Labels[i] ? 1 : 0;
            }

            var (chance, chanceText) = BinomialTest.ChanceLevel(test.Labels, task.ClassNames.Count);
            var row = new CampStudyRow(plan.HeldOut, plan.Auxiliary, method, perClass, correct, test.Count,
                BinomialTest.UpperTail(correct, test.Count, chance), time);
            rows.Add(row);
            log?.Report($"S{plan.HeldOut:000} {(plan.Auxiliary ? "aux" : "no-aux")} {method} [{perClass}]: {BinomialTest.Describe(correct, test.Count, chance, chanceText, 0.01)}, trained {time.TotalSeconds:F1} s");
        }

        var zeroShot = WearerAdaptation.ZeroShot(baseDecoder, task.ClassNames, calibration.ChannelNames, calibration);
        Add("zero-shot", string.Empty, zeroShot.Decoder.Predict(zeroShot.Alignment.Apply(test)), TimeSpan.Zero);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in plan.TrialsPerClass)
        {
            var subset = FirstPerClass(calibration, n);
            var perClass = string.Join("/", subset.CountPerClass());
            if (!seen.Add(perClass))
            {
                continue;
            }

            foreach (var options in plan.FineTuning)
            {
                var tuned = WearerAdaptation.FineTune(baseDecoder, task.ClassNames, calibration.ChannelNames, subset, options);
                Add($"fine-tuned ({options.MaxEpochs} epochs, lr {options.PeakLearningRate:G2})", perClass,
                    tuned.Decoder.Predict(tuned.Alignment.Apply(test)), tuned.Summary.Elapsed);
            }

            if (plan.WithBaselines)
            {
                var (alone, summary) = DecoderTrainer.Train(subset, DecoderTrainer.ShapeFor(subset, plan.Seed), DecoderTrainer.OptionsFor(subset, plan.Seed));
                Add("wearer alone", perClass, alone.Predict(test), summary.Elapsed);

                clock.Restart();
                var csp = new CspLdaClassifier();
                csp.Fit(subset.Windows, subset.ChannelCount, subset.SamplesPerWindow, subset.Labels, subset.ClassNames.Count);
                Add("CSP+LDA", perClass, [.. test.Windows.Select(csp.Predict)], clock.Elapsed);
            }
        }

        return rows;
    }

    /// <summary>The first <paramref name="perClass"/> trials of each class in the dataset's (chronological) order.</summary>
    public static EpochDataset FirstPerClass(EpochDataset dataset, int perClass)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        var taken = new int[dataset.ClassNames.Count];
        var indices = new List<int>();
        for (var i = 0; i < dataset.Count; i++)
        {
            if (taken[dataset.Labels[i]] < perClass)
            {
                taken[dataset.Labels[i]]++;
                indices.Add(i);
            }
        }

        return dataset.Subset(indices);
    }
}
