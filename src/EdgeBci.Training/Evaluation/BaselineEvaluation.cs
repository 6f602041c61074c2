using EdgeBci.Training.Baseline;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Evaluation;

/// <summary>The classical baseline (CSP + LDA) under <see cref="EvaluationProtocols"/>, on exactly the windows the decoder sees.</summary>
public static class BaselineEvaluation
{
    public static IReadOnlyList<ProtocolResult> Run(EpochDataset dataset, TaskDefinition task, int folds = 5, int seed = 7, int filterPairs = CspLdaClassifier.DefaultFilterPairs) =>
        EvaluationProtocols.Run(dataset, task, folds, seed, "CSP+LDA", (train, test, _) =>
        {
            var classifier = new CspLdaClassifier(filterPairs);
            classifier.Fit(train.Windows, train.ChannelCount, train.SamplesPerWindow, train.Labels, train.ClassNames.Count);
            var predictions = new int[test.Count];
            for (var i = 0; i < predictions.Length; i++)
            {
                predictions[i] = classifier.Predict(test.Windows[i]);
            }

            return predictions;
        });
}
