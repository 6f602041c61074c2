using System.Globalization;
using EdgeBci.Training.Evaluation;

namespace EdgeBci.Training.Gate;

/// <summary>
/// Decides whether a calibrated model may drive: on the session's held-out block (never seen in training), the int8
/// model (what the unit runs) must be right significantly more often than chance (one-sided exact binomial test, one
/// decision per trial), on at least as many trials as CSP+LDA trained on the same calibration windows, agree with the
/// fp32 model on enough windows, and in the live replay of the block move the wrong way and during rest no more than
/// allowed. The gate only judges; the caller keeps a refused model for the record and installs a passed one.
/// </summary>
public static class AcceptanceGate
{
    public const string Significance = "significance";
    public const string Baseline = "baseline";
    public const string Int8Agreement = "int8-agreement";
    public const string WrongWay = "wrong-way";
    public const string RestMoves = "rest-moves";
    public const string Drives = "drives";

    /// <exception cref="ArgumentException">The inputs disagree in length, hold no trial, a class index is out of range, or an option is invalid.</exception>
    public static GateReport Evaluate(GateInputs inputs, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        Validate(inputs, options);
        var trials = inputs.Labels.Count;
        var right = Correct(inputs.Int8Predictions, inputs.Labels);
        var fp32Right = Correct(inputs.Fp32Predictions, inputs.Labels);
        var baselineRight = Correct(inputs.BaselinePredictions, inputs.Labels);
        var (chance, chanceText) = BinomialTest.ChanceLevel(inputs.Labels, inputs.ClassCount);
        var needed = BinomialTest.SignificantCount(trials, chance, options.Alpha);
        var checks = new List<GateCheck>(5);
        var advice = new List<string>();

        var significant = right >= needed;
        checks.Add(new GateCheck(Significance, significant, (double)right / trials, (double)Math.Min(needed, trials) / trials,
            "int8 " + BinomialTest.Describe(right, trials, chance, chanceText, options.Alpha) + Invariant($"; fp32 {fp32Right} of {trials}"), needed));
        if (!significant)
        {
            advice.Add(SignificanceAdvice(inputs, right, trials, chance, options.Alpha));
        }

        var baselineNeeded = Math.Max(0, baselineRight - options.BaselineToleranceTrials);
        var beatsBaseline = right >= baselineNeeded;
        checks.Add(new GateCheck(Baseline, beatsBaseline, (double)right / trials, (double)baselineNeeded / trials,
            Invariant($"int8 right on {right} of {trials} trials, CSP+LDA on {baselineRight}: at least {baselineNeeded} needed (a tie passes)")));
        if (!beatsBaseline)
        {
            advice.Add(Invariant($"The decoder is below CSP+LDA on the same calibration data ({right} vs {baselineRight} of {trials}): record more calibration trials so fine-tuning has enough data, then calibrate again."));
        }

        var agreement = (double)inputs.AgreeingWindows / inputs.AgreementWindows;
        var agrees = agreement >= options.MinAgreement;
        checks.Add(new GateCheck(Int8Agreement, agrees, agreement, options.MinAgreement,
            Invariant($"int8 and fp32 pick the same class on {inputs.AgreeingWindows} of {inputs.AgreementWindows} held-out windows ({agreement:P1}, at least {options.MinAgreement:P0} required)")));
        if (!agrees)
        {
            advice.Add("int8 disagrees with fp32 too often: re-quantize on the calibration windows (edgebci quantize, percentile calibration) or run the fp32 model (Decoding:Precision = fp32).");
        }

        AddReplayChecks(inputs.Replay, options, checks, advice);
        return new GateReport(checks, advice);
    }

    private static void AddReplayChecks(LiveReplay.ReplayScore? replay, GateOptions options, List<GateCheck> checks, List<string> advice)
    {
        if (replay is null)
        {
            checks.Add(new GateCheck(WrongWay, false, double.NaN, options.MaxWrongWayShare, "the live replay of the held-out block was not run"));
            checks.Add(new GateCheck(RestMoves, false, double.NaN, options.MaxRestMovesPerMinute, "the live replay of the held-out block was not run"));
            checks.Add(new GateCheck(Drives, false, double.NaN, 1, "the live replay of the held-out block was not run"));
            advice.Add("Run the live replay of the held-out block (edgebci replay-score) before the model may drive.");
            return;
        }

        var wrongWay = replay.WrongWayShare <= options.MaxWrongWayShare;
        checks.Add(new GateCheck(WrongWay, wrongWay, replay.WrongWayShare, options.MaxWrongWayShare,
            Invariant($"the replayed chair moved the wrong way on {replay.WrongWay} of {replay.Cues} cues ({replay.WrongWayShare:P1}, at most {options.MaxWrongWayShare:P0} allowed)")));
        var restMoves = replay.RestMovesPerMinute <= options.MaxRestMovesPerMinute;
        checks.Add(new GateCheck(RestMoves, restMoves, replay.RestMovesPerMinute, options.MaxRestMovesPerMinute,
            Invariant($"{replay.RestMoves} moves in {replay.RestSeconds / 60:0.0} min of rest ({replay.RestMovesPerMinute:0.00}/min, at most {options.MaxRestMovesPerMinute:0.##}/min allowed)")));
        if (!wrongWay || !restMoves)
        {
            advice.Add("The chair moved when the wearer did not intend it: record more calibration trials (a rest class learns from them), or raise Control:EvidenceThreshold or Control:DwellMs and replay again.");
        }

        // A model that never moves the chair, or moves it the wrong way as often as the right one, passes the two bounds
        // above and still cannot drive.
        var drives = replay.CuedWay > 0 && replay.CuedWay > replay.WrongWay;
        checks.Add(new GateCheck(Drives, drives, replay.CuedWay, Math.Max(1, replay.WrongWay + 1),
            Invariant($"the replayed chair turned the cued way on {replay.CuedWay} of {replay.Cues} cues and the wrong way on {replay.WrongWay}: at least one, and more than the wrong way, needed")));
        if (!drives)
        {
            advice.Add("The chair hardly followed the cues in the live replay: record more calibration trials, or lower Control:EvidenceThreshold only if the wrong-way and rest bounds still hold.");
        }
    }

    /// <summary>Check the electrodes when the signal was abnormal; more trials when the accuracy is above chance but the block too short to show it; else another strategy.</summary>
    private static string SignificanceAdvice(GateInputs inputs, int right, int trials, double chance, double alpha)
    {
        if (inputs.SignalProblems.Count > 0)
        {
            return "Check the electrodes and record again: the signal was abnormal (" + string.Join("; ", inputs.SignalProblems) + ").";
        }

        var accuracy = (double)right / trials;
        if (accuracy > chance)
        {
            // At the accuracy seen, how long a held-out block would show it; beyond 400 trials a session is not the answer.
            for (var n = trials + 1; n <= 400; n++)
            {
                var k = (int)Math.Round(accuracy * n);
                if (BinomialTest.UpperTail(k, n, chance) < alpha)
                {
                    return Invariant($"{accuracy:P0} is above chance but {trials} held-out trials cannot show it at p < {alpha:0.###}: record more trials (at this accuracy about {n} held-out trials would, i.e. a longer session).");
                }
            }
        }

        return Invariant($"Accuracy {accuracy:P0} is at chance ({chance:P0}): try another imagery strategy (kinaesthetic imagery of squeezing the fist, or feet against hands), practise with feedback, and calibrate again.");
    }

    private static int Correct(IReadOnlyList<int> predictions, IReadOnlyList<int> labels)
    {
        var right = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            right += predictions[i] == labels[i] ? 1 : 0;
        }

        return right;
    }

    private static void Validate(GateInputs inputs, GateOptions options)
    {
        var problems = new List<string>(options.Validate());
        var trials = inputs.Labels.Count;
        if (trials == 0)
        {
            problems.Add("The held-out block has no trials.");
        }

        if (inputs.ClassCount < 2)
        {
            problems.Add(Invariant($"The task has {inputs.ClassCount} classes; the gate needs at least 2."));
        }

        foreach (var (name, list) in new[] { ("fp32", inputs.Fp32Predictions), ("int8", inputs.Int8Predictions), ("CSP+LDA", inputs.BaselinePredictions) })
        {
            if (list.Count != trials)
            {
                problems.Add(Invariant($"{name} predictions: {list.Count} for {trials} held-out trials."));
            }
        }

        foreach (var label in inputs.Labels)
        {
            if (label < 0 || label >= inputs.ClassCount)
            {
                problems.Add(Invariant($"A held-out label is {label}, outside 0..{inputs.ClassCount - 1}."));
                break;
            }
        }

        if (inputs.AgreementWindows <= 0 || inputs.AgreeingWindows < 0 || inputs.AgreeingWindows > inputs.AgreementWindows)
        {
            problems.Add(Invariant($"int8/fp32 agreement: {inputs.AgreeingWindows} agreeing of {inputs.AgreementWindows} windows is not a count."));
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(inputs));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
