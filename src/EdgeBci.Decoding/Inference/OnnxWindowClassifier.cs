using System.Globalization;
using EdgeBci.Decoding.Bundle;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Decoding.Inference;

/// <summary>
/// One bundle model in ONNX Runtime, set up once to classify one window at a time without allocating: the input
/// window and the probabilities live in buffers allocated here (64-byte aligned, see <see cref="AlignedBuffer"/>),
/// ONNX Runtime reads and writes them in place through
/// tensors created over them once, and every run reuses the same run options and bindings. Fill <see cref="Input"/>
/// ([channels, samples] row-major, microvolts), call <see cref="Run"/>, read <see cref="Probabilities"/>.
/// <para>Not thread-safe: one thread runs it (the decoder's); <see cref="Live.LiveDecoder"/> hands it over between windows.</para>
/// </summary>
public sealed class OnnxWindowClassifier : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly Memory<float> _input;
    private readonly Memory<float> _probabilities;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _probabilitiesValue;
    private readonly OrtIoBinding _binding;
    private bool _disposed;

    /// <summary>Loads the bundle's int8 (default) or fp32 model for single-window inference.</summary>
    /// <param name="bundle">A verified bundle.</param>
    /// <param name="options">Precision, threads, optimisation level and the optimised-model cache; <see cref="InferenceOptions.Default"/> when null.</param>
    /// <exception cref="ModelBundleException">
    /// The model file changed since the bundle was verified, the manifest does not list it, the graph's input or
    /// output does not have the shape the manifest promises, or the output is not a Softmax over the classes
    /// (<see cref="OutputGraphCheck"/>).
    /// </exception>
    public OnnxWindowClassifier(ModelBundle bundle, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        options ??= InferenceOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IntraOpThreads, 1);
        var manifest = bundle.Manifest;
        Manifest = manifest;
        Precision = options.Precision;
        Channels = manifest.Channels.Count;
        Samples = manifest.WindowSamples;
        Classes = manifest.Classes.Count;
        var file = options.Precision == ModelPrecision.Fp32 ? ModelManifest.Fp32ModelFile : ModelManifest.Int8ModelFile;
        var entry = manifest.Files.FirstOrDefault(f => f.Name == file)
            ?? throw new ModelBundleException($"{bundle.Folder}: {ModelManifest.FileName} does not list {file}; this bundle has no {options.Precision} model.");
        ModelSha256 = entry.Sha256.ToLowerInvariant();

        // The bytes ONNX Runtime gets are checked again: the file could have changed since ModelBundle.Load verified it.
        var path = Path.Combine(bundle.Folder, file);
        ModelPath = path;
        var bytes = File.ReadAllBytes(path);
        if (!string.Equals(ModelBundle.Sha256(bytes), ModelSha256, StringComparison.Ordinal))
        {
            throw new ModelBundleException($"{path}: SHA-256 no longer matches {ModelManifest.FileName}; the file changed after the bundle was verified, refusing it.");
        }

        _session = CreateSession(bytes, options, ModelSha256, out var fromCache);
        LoadedFromCache = fromCache;
        try
        {
            CheckGraph(path, manifest);
            OutputGraphCheck.Check(bytes, path, manifest.Tensors.Probabilities, Classes);
            _runOptions = new RunOptions();
            _input = AlignedBuffer.Allocate(Channels * Samples);
            _probabilities = AlignedBuffer.Allocate(Classes);
            // Created once over the buffers: ONNX Runtime reads and writes them in place on every run.
            _inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input, [1, Channels, Samples]);
            _probabilitiesValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _probabilities, [1, Classes]);
            _binding = _session.CreateIoBinding();
            _binding.BindInput(manifest.Tensors.Input, _inputValue);
            _binding.BindOutput(manifest.Tensors.Probabilities, _probabilitiesValue);
        }
        catch
        {
            _binding?.Dispose();
            _inputValue?.Dispose();
            _probabilitiesValue?.Dispose();
            _runOptions?.Dispose();
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The manifest of the bundle the model came from.</summary>
    public ModelManifest Manifest { get; }

    public string ModelId => Manifest.ModelId;

    public string ModelVersion => Manifest.ModelVersion;

    public ModelPrecision Precision { get; }

    /// <summary>Full path of the model file that runs.</summary>
    public string ModelPath { get; }

    /// <summary>SHA-256 (lower-case hex) of the model file that runs, from the manifest.</summary>
    public string ModelSha256 { get; }

    /// <summary>True when the session was loaded from <see cref="InferenceOptions.OptimizedModelCachePath"/> rather than built from the bundle model.</summary>
    public bool LoadedFromCache { get; }

    public int Channels { get; }

    public int Samples { get; }

    public int Classes { get; }

    /// <summary>The next window, [channels, samples] row-major, in microvolts, channels in the manifest's order.</summary>
    public Span<float> Input
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _input.Span;
        }
    }

    /// <summary>Class probabilities of the last <see cref="Run"/>, in the manifest's class order.</summary>
    public ReadOnlySpan<float> Probabilities
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _probabilities.Span;
        }
    }

    /// <summary>
    /// Classifies <see cref="Input"/> into <see cref="Probabilities"/>. Allocates no managed memory. The output is as
    /// the model gave it: check it with <see cref="ProbabilityCheck.Inspect"/> before acting on it.
    /// </summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The bound run is one native call. The name/value-collection overloads of InferenceSession.Run build
        // handle arrays on every call: Run(runOptions, names, values, names, values) allocates 352 bytes per call
        // with ONNX Runtime 1.31.1 (measured), garbage the decoding thread would make four times a second.
        _session.RunWithBinding(_runOptions, _binding);
    }

    /// <summary>
    /// Runs the model a few times on the current input so ONNX Runtime's first-run work (arena growth, kernel
    /// selection, weight pre-packing) happens before the first real window, and so a model that cannot run, or whose
    /// output on that input is not a probability distribution, is refused before it is used. Leaves
    /// <see cref="Input"/> unchanged and <see cref="Probabilities"/> holding the result for it.
    /// </summary>
    /// <exception cref="ModelBundleException">ONNX Runtime failed to run the model, or its output is not a probability distribution (the reason named).</exception>
    public void WarmUp(int runs = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runs);
        try
        {
            for (var i = 0; i < runs; i++)
            {
                Run();
            }
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ModelBundleException($"{ModelPath}: the model loads but fails when run on the warm-up window: {exception.Message}", exception);
        }

        if (runs > 0 && ProbabilityCheck.Inspect(Probabilities) is { IsFault: true } fault)
        {
            throw new ModelBundleException(
                $"{ModelPath}: on the warm-up window the model's output is not a probability distribution: {fault.Describe(Manifest.Classes)}; refusing the model.");
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _binding.Dispose();
        _inputValue.Dispose();
        _probabilitiesValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ModelId} {ModelVersion} ({Precision})");

    private static InferenceSession CreateSession(byte[] model, InferenceOptions options, string sha256, out bool fromCache)
    {
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = options.OptimizationLevel,
        };
        var cache = options.OptimizedModelCachePath is { Length: > 0 } configured ? Path.GetFullPath(configured) : null;
        if (cache is not null && OptimizedModelCache.IsValid(cache, sha256, options.OptimizationLevel))
        {
            try
            {
                fromCache = true;
                return new InferenceSession(cache, sessionOptions);
            }
            catch (OnnxRuntimeException)
            {
                // A cache ONNX Runtime cannot load is rebuilt like a stale one.
            }
        }

        fromCache = false;
        if (cache is null)
        {
            return new InferenceSession(model, sessionOptions);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        var temporary = string.Create(CultureInfo.InvariantCulture, $"{cache}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        sessionOptions.OptimizedModelFilePath = temporary;
        var session = new InferenceSession(model, sessionOptions);
        try
        {
            OptimizedModelCache.Commit(temporary, cache, sha256, options.OptimizationLevel);
        }
        catch (IOException)
        {
            // The cache only saves start-up time: a read-only or full disk must not stop decoding.
            File.Delete(temporary);
        }
        catch (UnauthorizedAccessException)
        {
            File.Delete(temporary);
        }

        return session;
    }

    private void CheckGraph(string path, ModelManifest manifest)
    {
        var tensors = manifest.Tensors;
        if (!_session.InputMetadata.TryGetValue(tensors.Input, out var input) || !_session.OutputMetadata.TryGetValue(tensors.Probabilities, out var output))
        {
            throw new ModelBundleException(
                $"{path}: the graph has inputs [{string.Join(", ", _session.InputNames)}] and outputs [{string.Join(", ", _session.OutputNames)}], " +
                $"not '{tensors.Input}' → '{tensors.Probabilities}' as {ModelManifest.FileName} says.");
        }

        if (input.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float
            || !Fits(input.Dimensions, Channels, Samples))
        {
            throw new ModelBundleException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: input '{tensors.Input}' is {input.ElementDataType} [{string.Join(", ", input.Dimensions)}], not float [batch, {Channels}, {Samples}] as {ModelManifest.FileName} says."));
        }

        if (output.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float || !Fits(output.Dimensions, Classes))
        {
            throw new ModelBundleException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: output '{tensors.Probabilities}' is {output.ElementDataType} [{string.Join(", ", output.Dimensions)}], not float [batch, {Classes}] as {ModelManifest.FileName} says."));
        }
    }

    // The first axis is the batch (dynamic, or 1); the others must be the manifest's sizes (a symbolic axis accepts any).
    private static bool Fits(int[] dimensions, params int[] expected)
    {
        if (dimensions.Length != expected.Length + 1 || dimensions[0] is not (-1 or 1))
        {
            return false;
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (dimensions[i + 1] != expected[i] && dimensions[i + 1] != -1)
            {
                return false;
            }
        }

        return true;
    }
}
