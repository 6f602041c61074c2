using EdgeBci.Training.Model;

namespace EdgeBci.Training.Evaluation;

/// <summary>The per-epoch losses and accuracies of one training run (one fold of one protocol), for the report's plots.</summary>
/// <param name="Label">Which run: "fold 2/5", "chronological", "final".</param>
/// <param name="Epochs">Every epoch in order.</param>
/// <param name="Summary">How the run ended and which epoch's state was kept.</param>
public sealed record LearningCurve(string Label, IReadOnlyList<EpochReport> Epochs, TrainingSummary Summary);
