namespace EdgeBci.Training.Reporting;

// The report's JSON property names, in one place for the writer and the reader.
public static partial class EvaluationReportJson
{
    private static class Names
    {
        public const string FormatVersion = "formatVersion";
        public const string Task = "task";
        public const string Subject = "subject";
        public const string Runs = "runs";
        public const string Window = "window";
        public const string Channels = "channels";
        public const string SampleRate = "sampleRate";
        public const string Classes = "classes";
        public const string Trials = "trials";
        public const string Command = "command";
        public const string ToolVersion = "toolVersion";
        public const string Created = "created";
        public const string Results = "results";
        public const string Model = "model";
        public const string Protocol = "protocol";
        public const string Description = "description";
        public const string Accuracy = "accuracy";
        public const string BalancedAccuracy = "balancedAccuracy";
        public const string Kappa = "kappa";
        public const string MacroF1 = "macroF1";
        public const string PerClass = "perClass";
        public const string Name = "name";
        public const string Support = "support";
        public const string PredictedCount = "predictedCount";
        public const string Precision = "precision";
        public const string Recall = "recall";
        public const string F1 = "f1";
        public const string Confusion = "confusion";
        public const string Rows = "rows";
        public const string Columns = "columns";
        public const string Counts = "counts";
        public const string Comparison = "comparison";
        public const string Models = "models";
        public const string LearningCurves = "learningCurves";
        public const string Label = "label";
        public const string Summary = "summary";
        public const string EpochsRun = "epochsRun";
        public const string BestEpoch = "bestEpoch";
        public const string BestValidationLoss = "bestValidationLoss";
        public const string StopReason = "stopReason";
        public const string ElapsedSeconds = "elapsedSeconds";
        public const string Epochs = "epochs";
        public const string Epoch = "epoch";
        public const string TrainLoss = "trainLoss";
        public const string TrainAccuracy = "trainAccuracy";
        public const string ValidationLoss = "validationLoss";
        public const string ValidationAccuracy = "validationAccuracy";
        public const string LearningRate = "learningRate";
        public const string ModelSizes = "modelSizes";
        public const string Bytes = "bytes";

        public const string QuantizationAgreements = "quantizationAgreements";

        public const string Agreeing = "agreeing";

        public const string Windows = "windows";

        public const string MaxProbabilityDifference = "maxProbabilityDifference";

        public const string Fp32Bytes = "fp32Bytes";

        public const string Int8Bytes = "int8Bytes";
    }
}
