using EdgeBci.Training.LiveReplay;

namespace EdgeBci.Training.Gate;

/// <summary>
/// The held-out block as the gate sees it: one decision per trial from each model, the true labels, the int8/fp32
/// agreement over every held-out window, the live replay's score and, for the advice, what is known to be wrong with
/// the signal.
/// </summary>
/// <param name="Labels">True class index of each held-out trial.</param>
/// <param name="ClassCount">Classes of the task (chance is 1 / this).</param>
/// <param name="Fp32Predictions">The fp32 model's class per trial.</param>
/// <param name="Int8Predictions">The int8 model's class per trial (what the unit runs).</param>
/// <param name="BaselinePredictions">CSP+LDA trained on the same calibration windows, per trial.</param>
/// <param name="AgreeingWindows">Held-out windows on which int8 and fp32 chose the same class.</param>
/// <param name="AgreementWindows">Held-out windows compared.</param>
/// <param name="Replay">The live replay of the block; null when it could not be run (the check then fails).</param>
/// <param name="SignalProblems">Channels with abnormal quality or variance in the session (e.g. "C3: flat"), empty when none.</param>
public sealed record GateInputs(
    IReadOnlyList<int> Labels,
    int ClassCount,
    IReadOnlyList<int> Fp32Predictions,
    IReadOnlyList<int> Int8Predictions,
    IReadOnlyList<int> BaselinePredictions,
    int AgreeingWindows,
    int AgreementWindows,
    ReplayScore? Replay,
    IReadOnlyList<string> SignalProblems);
