using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Alignment;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Quantization;
using EdgeBci.Training.Transfer;
using Google.Protobuf;
using EdgeBci.Signing;

namespace EdgeBci.Training.Bundle;

/// <summary>What <see cref="DecoderBundleBuilder.Build"/> makes a bundle from.</summary>
/// <param name="Dataset">Every trial of the task (the final model trains on all of them).</param>
/// <param name="Task">The task the trials were cut for.</param>
/// <param name="Signal">The signal chain the trials went through (the unit must run the same).</param>
/// <param name="RecordingPaths">The recordings the trials came from (hashed into the manifest).</param>
/// <param name="Shape">Decoder shape.</param>
/// <param name="Training">Training options for the final model.</param>
/// <param name="Quantization">int8 quantization settings.</param>
/// <param name="ModelId">Manifest model id.</param>
/// <param name="ModelVersion">Manifest model version.</param>
/// <param name="CreatedBy">Tool and command line, for the manifest.</param>
/// <param name="Created">Creation time, for the manifest.</param>
/// <param name="Metrics">Evaluation figures to record in the manifest (may be empty).</param>
/// <param name="HeldOutAgreement">int8/fp32 agreement measured on held-out windows, if evaluated.</param>
/// <param name="Alignment">
/// The wearer's alignment (computed from <paramref name="Dataset"/>'s recordings): the decoder trains on aligned
/// windows, the graph applies it as its first node and the manifest records it. <paramref name="Dataset"/> stays in
/// raw microvolts, as the unit feeds the graph. Null: no alignment.
/// </param>
/// <param name="StartFrom">
/// Start from (a copy of) this decoder instead of a fresh one: fine-tuning a base model with <paramref name="Training"/>;
/// its shape must be <paramref name="Shape"/>. Null: train from scratch, as <c>edgebci train</c> does.
/// </param>
/// <param name="SkipTraining">With <paramref name="StartFrom"/>: export it as it is (the zero-shot path: base model plus the wearer's alignment).</param>
/// <param name="IncludeCheckpoint">Write the engine's weights into the bundle so the unit can fine-tune it (a base model).</param>
public sealed record BundleRequest(
    EpochDataset Dataset,
    TaskDefinition Task,
    SignalOptions Signal,
    IReadOnlyList<string> RecordingPaths,
    DecoderShape Shape,
    TrainingOptions Training,
    StaticQuantizationOptions Quantization,
    string ModelId,
    string ModelVersion,
    string CreatedBy,
    DateTimeOffset Created,
    IReadOnlyList<ProtocolResult> Metrics,
    double? HeldOutAgreement = null,
    EuclideanAlignment? Alignment = null,
    AttentionDecoder? StartFrom = null,
    bool SkipTraining = false,
    bool IncludeCheckpoint = false);

/// <summary>What was built.</summary>
/// <param name="ExportParity">Largest |p_onnx − p_engine| of the fp32 export over the checked windows.</param>
/// <param name="TrainingAgreement">int8 against fp32 on every trial of the dataset.</param>
public sealed record BundleResult(
    ModelManifest Manifest,
    AttentionDecoder Decoder,
    LearningCurve Curve,
    QuantizationReport Quantization,
    double ExportParity,
    QuantizationAgreement TrainingAgreement);

/// <summary>
/// Trains the final decoder on every trial of a task, exports it to ONNX, proves the export against the engine,
/// quantizes it to int8 and writes the bundle the unit loads: <c>model.onnx</c> (int8), <c>model.fp32.onnx</c> and a
/// <c>manifest.json</c> that records channels, rate, window, classes, signal chain, normalisation, metrics, the
/// training recordings' SHA-256 and every file's SHA-256.
/// </summary>
public static class DecoderBundleBuilder
{
    /// <summary>
    /// How bundles are quantized unless told otherwise: percentile calibration (robust to the odd artefact in the
    /// calibration windows) and weights within ±64, so the int8 model computes the same on every CPU ONNX Runtime
    /// runs on, including x86 without VNNI, whose uint8 × int8 kernels saturate with full-range weights. Operators too
    /// small for int8 to pay stay float (measured with <c>EdgeBci.Benchmarks -- int8</c>): convolutions with one input
    /// channel per group (the decoder's temporal and depthwise spatial ones alone in int8 cost 1.1–1.2× and 2.1–2.6× the whole fp32 window) and
    /// MatMul/Gemm reducing over at most 64 values (int8 is slower up to K = 64 and faster from K = 128).
    /// </summary>
    public static StaticQuantizationOptions DefaultQuantization { get; } = new()
    {
        Method = CalibrationMethod.Percentile,
        Percentile = 99.99,
        ReduceWeightRange = true,
        FloatNodes = new FloatNodeRule { ConvMaxInputChannelsPerGroup = 1, MatMulMaxReductionLength = 64 },
    };

    /// <summary>The exported graph must reproduce the engine's probabilities to this, or no bundle is written.</summary>
    public const double ExportTolerance = 1e-4;

    /// <exception cref="InvalidOperationException">The export does not reproduce the engine within <see cref="ExportTolerance"/>.</exception>
    /// <param name="signer">The trainer's key the bundle is signed with as it is written; null writes it unsigned.</param>
    public static BundleResult Build(string folder, BundleRequest request, IReadOnlyDictionary<string, byte[]>? extraFiles = null,
        IProgress<string>? log = null, SigningKey? signer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(request);
        var dataset = request.Dataset;
        var engineSet = request.Alignment is { } alignment ? alignment.Apply(dataset) : dataset;
        var epochs = new List<EpochReport>();
        var (decoder, summary) = TrainFinal(request, engineSet, new CollectingProgress<EpochReport>(epochs));
        var curve = new LearningCurve("final", epochs, summary);
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"final model: {decoder.ParameterCount} parameters, {summary.EpochsRun} epochs on {dataset.Count} trials ({summary.StopReason}), {summary.Elapsed.TotalSeconds:F1} s"));

        var fp32 = DecoderOnnxExporter.Export(decoder, request.ModelId, request.Alignment);
        var fp32Bytes = fp32.ToByteArray();
        var parity = ExportParity(decoder, fp32Bytes, dataset, engineSet);
        if (!(parity <= ExportTolerance))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The exported fp32 graph differs from the engine by {parity:E2} (more than {ExportTolerance:E0}); no bundle written."));
        }

        var quantized = OnnxStaticQuantizer.Quantize(fp32, DecoderEvaluation.CalibrationWindows(dataset), request.Quantization);
        var int8Bytes = quantized.Model.ToByteArray();
        QuantizationAgreement agreement;
        using (var int8 = new OnnxClassifier(int8Bytes, request.Shape.Channels, request.Shape.Samples, DecoderOnnxExporter.InputName, DecoderOnnxExporter.OutputName))
        {
            var int8Probabilities = int8.Probabilities(dataset.Windows, out var classes);
            agreement = QuantizationAgreement.Compare("all trials", decoder.Probabilities(engineSet.Windows).Data, int8Probabilities, classes,
                fp32Bytes.Length, int8Bytes.Length, out _);
        }

        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"export parity {parity:E1}; int8 {int8Bytes.Length:N0} bytes (fp32 {fp32Bytes.Length:N0}), agrees with fp32 on {agreement.Agreeing}/{agreement.Windows} trials"));

        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ModelManifest.Int8ModelFile] = int8Bytes,
            [ModelManifest.Fp32ModelFile] = fp32Bytes,
        };
        if (request.IncludeCheckpoint)
        {
            using var checkpoint = new MemoryStream();
            ModelCheckpoint.Save(decoder.Network, checkpoint);
            files.Add(ModelCheckpointReference.DefaultFile, checkpoint.ToArray());
        }

        if (extraFiles is not null)
        {
            foreach (var (name, bytes) in extraFiles)
            {
                files.Add(name, bytes);
            }
        }

        var unwritten = Manifest(request, decoder, agreement);
        unwritten = unwritten with { Quantization = unwritten.Quantization! with { FloatNodes = FloatNodeNames(quantized.Report) } };
        var manifest = ModelBundle.Write(folder, unwritten, files, signer);
        return new BundleResult(manifest, decoder, curve, quantized.Report, parity, agreement);
    }

    /// <summary>The manifest for a trained decoder (files are filled in by <see cref="ModelBundle.Write"/>).</summary>
    public static ModelManifest Manifest(BundleRequest request, AttentionDecoder decoder, QuantizationAgreement trainingAgreement)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(trainingAgreement);
        var task = request.Task;
        var shape = decoder.Shape;
        var metrics = new List<ModelMetric>(request.Metrics.Count);
        foreach (var result in request.Metrics)
        {
            metrics.Add(new ModelMetric(result.Model, result.Protocol, result.Metrics.Accuracy, result.Metrics.BalancedAccuracy,
                result.Metrics.CohensKappa, result.Metrics.SampleCount));
        }

        var recordings = new List<BundleFile>(request.RecordingPaths.Count);
        foreach (var path in request.RecordingPaths)
        {
            recordings.Add(RecordingFingerprint.Of(path));
        }

        var quantization = request.Quantization;
        return new ModelManifest
        {
            ModelId = request.ModelId,
            ModelVersion = request.ModelVersion,
            CreatedUtc = request.Created.ToUniversalTime(),
            CreatedBy = request.CreatedBy,
            Channels = [.. request.Dataset.ChannelNames],
            SampleRate = request.Dataset.SampleRate,
            WindowSamples = shape.Samples,
            WindowOffsetSeconds = task.WindowStartSeconds,
            Task = new ModelTask(task.Name, task.Runs, task.ClassByAnnotation, task.WindowStartSeconds, task.WindowEndSeconds),
            Classes = [.. request.Dataset.ClassNames],
            SignalChain = request.Signal.Explicit(),
            Normalization = new ModelNormalization(
                shape.Normalization == InputNormalization.ChannelZScore ? "channel-zscore" : "fixed-scale", shape.InputScaleMicrovolts, InGraph: true),
            Tensors = new ModelTensors(DecoderOnnxExporter.InputName, DecoderOnnxExporter.OutputName, DecoderOnnxExporter.LogitsName),
            Quantization = new ModelQuantization(
                quantization.Method == CalibrationMethod.Percentile ? "percentile" : "min-max",
                quantization.Method == CalibrationMethod.Percentile ? quantization.Percentile : null,
                Math.Min(request.Dataset.Count, DecoderEvaluation.MaximumCalibrationWindows),
                request.HeldOutAgreement ?? trainingAgreement.Share),
            Metrics = metrics,
            TrainingRecordings = recordings,
            Alignment = request.Alignment is { IsIdentity: false } alignment
                ? new ModelAlignment(EuclideanAlignment.MethodName, alignment.ToRows(), alignment.WindowCount, recordings)
                : null,
            Checkpoint = request.IncludeCheckpoint ? new ModelCheckpointReference(ModelCheckpointReference.DefaultFile, BaseModel.Architecture(shape)) : null,
            Files = [],
        };
    }

    /// <summary>The manifest's <c>floatNodes</c>: the nodes the quantizer's rule kept float, in graph order.</summary>
    public static IReadOnlyList<string> FloatNodeNames(QuantizationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return [.. report.FloatNodes.Select(node => node.NodeName)];
    }

    /// <summary>The final decoder: trained from scratch, fine-tuned from <see cref="BundleRequest.StartFrom"/>, or that one as it is.</summary>
    private static (AttentionDecoder Decoder, TrainingSummary Summary) TrainFinal(BundleRequest request, EpochDataset engineSet, IProgress<EpochReport> progress)
    {
        if (request.StartFrom is not { } start)
        {
            if (request.SkipTraining)
            {
                throw new ArgumentException("SkipTraining needs a decoder to start from (StartFrom); there is nothing to export otherwise.", nameof(request));
            }

            return DecoderTrainer.Train(engineSet, request.Shape, request.Training, progress);
        }

        if (start.Shape != request.Shape)
        {
            throw new ArgumentException($"The decoder to start from has shape {start.Shape}; the request says {request.Shape}.", nameof(request));
        }

        var decoder = start.Copy();
        return request.SkipTraining
            ? (decoder, new TrainingSummary(0, 0, null, "not trained (zero-shot)", TimeSpan.Zero))
            : (decoder, DecoderTrainer.Train(decoder, engineSet, request.Training, progress));
    }

    /// <summary>Largest |p_onnx − p_engine| over up to 64 of the dataset's windows, the export run in ONNX Runtime.</summary>
    public static double ExportParity(AttentionDecoder decoder, byte[] fp32Model, EpochDataset dataset) => ExportParity(decoder, fp32Model, dataset, dataset);

    /// <summary>
    /// Largest |p_onnx(raw) − p_engine(engine)| over up to 64 windows: the graph fed <paramref name="dataset"/>'s raw
    /// windows, the engine the same trials as it was trained on them (<paramref name="engineSet"/>, aligned when the
    /// graph aligns).
    /// </summary>
    public static double ExportParity(AttentionDecoder decoder, byte[] fp32Model, EpochDataset dataset, EpochDataset engineSet)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(engineSet);
        if (engineSet.Count != dataset.Count)
        {
            throw new ArgumentException($"The engine's set holds {engineSet.Count} trials, the raw set {dataset.Count}; they must be the same trials.", nameof(engineSet));
        }

        var count = Math.Min(64, dataset.Count);
        var windows = new float[count][];
        var engineWindows = new float[count][];
        for (var i = 0; i < count; i++)
        {
            windows[i] = dataset.Windows[(int)((long)i * dataset.Count / count)];
            engineWindows[i] = engineSet.Windows[(int)((long)i * dataset.Count / count)];
        }

        using var onnx = new OnnxClassifier(fp32Model, decoder.Shape.Channels, decoder.Shape.Samples, DecoderOnnxExporter.InputName, DecoderOnnxExporter.OutputName);
        var exported = onnx.Probabilities(windows, out _);
        var engine = decoder.Probabilities(engineWindows).Data;
        var worst = 0.0;
        for (var i = 0; i < exported.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(exported[i] - engine[i]));
        }

        return worst;
    }
}
