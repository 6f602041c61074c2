using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Decoding.Inference;

/// <summary>Which of a bundle's two models runs.</summary>
public enum ModelPrecision
{
    /// <summary><c>model.onnx</c>, statically quantized: what the unit runs.</summary>
    Int8,

    /// <summary><c>model.fp32.onnx</c>: the reference the int8 model was quantized from.</summary>
    Fp32,
}

/// <summary>How an <see cref="OnnxWindowClassifier"/> sets up ONNX Runtime.</summary>
public sealed record InferenceOptions
{
    /// <summary>The unit's defaults: int8, one intra-op thread, every graph optimisation, no cache.</summary>
    public static InferenceOptions Default { get; } = new();

    public ModelPrecision Precision { get; init; } = ModelPrecision.Int8;

    /// <summary>
    /// Threads inside one operator. One by default: a window is small, the other core keeps acquisition and the
    /// signal chain on time, and thread hand-offs cost more than they save at this size.
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// File to keep ONNX Runtime's optimised model in, so a restart skips the graph optimisation; null for none. A
    /// sidecar <c>{path}.source</c> records the SHA-256 of the bundle model it came from (see <see cref="OptimizedModelCache"/>).
    /// </summary>
    public string? OptimizedModelCachePath { get; init; }
}
