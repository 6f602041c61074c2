using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;

namespace EdgeBci.Decoding.Live;

/// <summary>The outcome of <see cref="LiveDecoder.Swap"/>.</summary>
/// <param name="Accepted">True when the model is staged: it classifies from the first window at which <see cref="LiveDecoder.SwapPermitted"/> allows it; the decoder then owns it.</param>
/// <param name="Reason">Why the swap was refused (null when accepted); the running model continues and the caller keeps the refused one.</param>
public readonly record struct SwapResult(bool Accepted, string? Reason)
{
    public static SwapResult Done { get; } = new(true, null);

    public static SwapResult Refused(string reason) => new(false, reason);
}

/// <summary>
/// The on-device decoder: takes the signal chain's output frame by frame, and every hop, once a full window is held,
/// classifies the window, integrates the evidence and hands a <see cref="Decision"/> to the handler. In steady state a
/// frame and a window allocate nothing.
/// <para>
/// <b>Dead channels.</b> Given a <see cref="QualitySource"/>, a window in which a channel the model needs is unusable
/// (railed, flat, constant, lead-off, settling after a fault) is not classified: its decision carries the reason
/// (<see cref="Decision.Rejection"/>, "rejected: C3 railed") instead of a class, and the evidence decays toward
/// uniform, so a dead signal never yields a confident intent.
/// </para>
/// <para>
/// <b>Only probabilities are decisions.</b> Every window's output is checked (<see cref="ProbabilityCheck"/>): finite,
/// each in [0, 1], summing to 1. A window that fails is not a decision: the model is no longer trusted
/// (<see cref="ModelFault"/> says why, <see cref="ModelFaulted"/> is called once) and classifies no more windows, so
/// there are no decisions until another model takes over.
/// </para>
/// <para>
/// <b>Threads.</b> One thread calls <see cref="Push"/> (the decoding thread); the handler runs on it. <see cref="Swap"/>
/// may be called from any thread at any time: the new model is staged and taken up by the decoding thread at the
/// start of a window, never during one, and only when <see cref="SwapPermitted"/> (if set) says so at that window,
/// so every window is classified by exactly one model and none is skipped or repeated (windows are numbered). The
/// evidence restarts from uniform with the new model (its probabilities are on another scale), and the old model is
/// disposed on the decoding thread once it is no longer in use. Dispose the decoder from the decoding thread, or
/// after it stopped.
/// </para>
/// </summary>
public sealed class LiveDecoder : IDisposable
{
    private readonly UnitConfiguration _unit;
    private readonly int[] _map;
    private readonly SlidingWindow _window;
    private readonly DecisionHandler _onDecision;
    private readonly FocusMeter? _focus;
    private readonly ChannelQualityGate? _gate;
    private readonly double _evidenceFactor;
    private readonly double _rejectionFloor;
    private readonly Lock _swapLock = new();
    private OnnxWindowClassifier _classifier;
    private EvidenceAccumulator _evidence;
    private PendingSwap? _pending;
    private string _currentModel;
    private string? _modelFault;
    private int _framesUntilWindow;
    private long _windows;
    private int _swaps;
    private bool _disposed;
    private bool _lastRejected;

    /// <param name="classifier">The model to start with; the decoder owns it from here on.</param>
    /// <param name="unit">What the unit's chain outputs; the model is checked against it.</param>
    /// <param name="microvoltsPerQ31">Microvolts of one Q31 step of the chain's output (µV per count / 2^8).</param>
    /// <param name="options">Hop, evidence factor and rejection floor.</param>
    /// <param name="onDecision">Called with every decision, on the pushing thread.</param>
    /// <param name="focus">A focus meter fed elsewhere with the broadband stream, whose score each decision carries; optional.</param>
    /// <param name="quality">The signal stage's channel conditions; windows with an unusable model channel are rejected. Optional.</param>
    /// <exception cref="ModelBundleException">The model does not fit the unit (see <see cref="BundleCompatibility.Check"/>).</exception>
    /// <exception cref="ArgumentException">An option is invalid, or a model channel is not among the quality source's device channels.</exception>
    public LiveDecoder(OnnxWindowClassifier classifier, UnitConfiguration unit, double microvoltsPerQ31, DecodingOptions options,
        DecisionHandler onDecision, FocusMeter? focus = null, QualitySource? quality = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onDecision);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        }

        _map = BundleCompatibility.Check(classifier.Manifest, unit with { WindowSamples = null });
        _unit = unit with { WindowSamples = classifier.Samples };
        _window = new SlidingWindow(_map, unit.ChannelNames.Count, classifier.Samples, microvoltsPerQ31);
        _evidenceFactor = options.EvidenceFactor;
        _rejectionFloor = options.RejectionFloor;
        _evidence = new EvidenceAccumulator(classifier.Classes, _evidenceFactor, _rejectionFloor);
        _classifier = classifier;
        _currentModel = classifier.ToString();
        _onDecision = onDecision;
        _focus = focus;
        _gate = quality is null ? null : new ChannelQualityGate(quality, [.. _map.Select(index => unit.ChannelNames[index])]);
        HopSamples = options.HopSamples(classifier.Manifest.SampleRate);
    }

    /// <summary>Frames between two decoded windows.</summary>
    public int HopSamples { get; }

    /// <summary>Samples per channel in a window.</summary>
    public int WindowSamples => _window.Samples;

    /// <summary>For each model channel, its index in a stream frame.</summary>
    public IReadOnlyList<int> ChannelMap => _map;

    /// <summary>
    /// Probabilities of the window being reported; read them inside the handler (the buffer is reused). Empty for a
    /// window rejected for a dead channel, which was not classified.
    /// </summary>
    public ReadOnlySpan<float> Probabilities => _lastRejected ? default : _classifier.Probabilities;

    /// <summary>
    /// The window being reported, [channels, samples] row-major in microvolts, oldest sample first; read it inside the
    /// handler (the buffer is the model's input and is reused).
    /// </summary>
    public ReadOnlySpan<float> Window => _classifier.Input;

    /// <summary>Accumulated evidence per class after the last window.</summary>
    public ReadOnlySpan<double> Evidence => _evidence.Evidence;

    /// <summary>Windows decoded so far (the next window's number).</summary>
    public long WindowsDecoded => Volatile.Read(ref _windows);

    /// <summary>Swaps that have taken effect.</summary>
    public int SwapsApplied => Volatile.Read(ref _swaps);

    /// <summary>The running model as "id version (precision)"; readable from any thread.</summary>
    public string CurrentModel => Volatile.Read(ref _currentModel);

    /// <summary>The running model's manifest (it changes hands between two windows); readable from any thread.</summary>
    public Bundle.ModelManifest CurrentManifest => Volatile.Read(ref _classifier).Manifest;

    /// <summary>Times the stream's sample index jumped and the window restarted.</summary>
    public long Gaps => _window.Gaps;

    /// <summary>
    /// Whether a staged model may take over now; asked on the decoding thread at the start of each window while a
    /// model is staged, so it must be quick, allocation-free and not throw. Null: a staged model takes over at the next
    /// window.
    /// </summary>
    public Func<bool>? SwapPermitted { get; init; }

    /// <summary>Called on the decoding thread when a staged model has taken over, with its name, before it classifies its first window.</summary>
    public Action<string>? ModelSwapped { get; init; }

    /// <summary>Called on the decoding thread, once per model, with <see cref="ModelFault"/> when the running model's output is not a probability distribution.</summary>
    public Action<string>? ModelFaulted { get; init; }

    /// <summary>The staged model as "id version (precision)", or null; readable from any thread.</summary>
    public string? StagedModel => Volatile.Read(ref _pending)?.Name;

    /// <summary>
    /// Why the running model is no longer trusted (the window and what was wrong with its output), or null while it
    /// is; readable from any thread. Cleared when another model takes over.
    /// </summary>
    public string? ModelFault => Volatile.Read(ref _modelFault);

    /// <summary>
    /// Adds one frame of the chain's output. When it completes a window that is due (the first full window, then
    /// every <see cref="HopSamples"/> frames), the window is classified and the handler called before this returns.
    /// </summary>
    /// <param name="q31Frame">One Q31 value per chain output channel.</param>
    /// <param name="sampleIndex">The frame's index in the chain's output (consecutive; a jump restarts the window).</param>
    /// <param name="timestamp">The frame's timestamp, passed through to the decision.</param>
    public void Push(ReadOnlySpan<int> q31Frame, long sampleIndex, long timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_window.Push(q31Frame, sampleIndex))
        {
            _framesUntilWindow = 0;
        }

        if (!_window.IsFull)
        {
            return;
        }

        if (_framesUntilWindow > 0)
        {
            _framesUntilWindow--;
            return;
        }

        _framesUntilWindow = HopSamples - 1;
        Decode(sampleIndex, timestamp);
    }

    /// <summary>Restarts the evidence from uniform (a new user, a new task).</summary>
    public void ResetEvidence() => _evidence.Reset();

    /// <summary>
    /// Stages a model to replace the running one from the first window at which <see cref="SwapPermitted"/> allows it
    /// (the next window when it is null). Any thread, any time. The new model must fit the unit as the running one
    /// does: the same channels in the same order, the same rate, window and signal chain; otherwise the swap is
    /// refused with the reason and the running model continues. An accepted model belongs to the decoder (a second
    /// swap before the first took effect replaces, and disposes, the first).
    /// </summary>
    public SwapResult Swap(OnnxWindowClassifier next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (ReferenceEquals(next, Volatile.Read(ref _classifier)))
        {
            return SwapResult.Refused($"{next} is the running model.");
        }

        int[] map;
        try
        {
            map = BundleCompatibility.Check(next.Manifest, _unit);
        }
        catch (ModelBundleException exception)
        {
            return SwapResult.Refused(exception.Message);
        }

        if (!map.AsSpan().SequenceEqual(_map))
        {
            return SwapResult.Refused(
                $"Model {next} takes channels [{string.Join(", ", next.Manifest.Channels)}], not the running model's order; a swap keeps the window, so the channels must be the same.");
        }

        // Built here, on the caller's thread, so the decoding thread allocates nothing when it takes the model up.
        var pending = new PendingSwap(next, new EvidenceAccumulator(next.Classes, _evidenceFactor, _rejectionFloor), next.ToString());
        lock (_swapLock)
        {
            if (_disposed)
            {
                return SwapResult.Refused("The decoder is disposed.");
            }

            if (ReferenceEquals(Volatile.Read(ref _pending)?.Classifier, next))
            {
                return SwapResult.Refused($"{next} is already waiting to take over.");
            }

            Interlocked.Exchange(ref _pending, pending)?.Classifier.Dispose();
        }

        return SwapResult.Done;
    }

    public void Dispose()
    {
        lock (_swapLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Interlocked.Exchange(ref _pending, null)?.Classifier.Dispose();
        }

        _classifier.Dispose();
    }

    private void Decode(long sampleIndex, long timestamp)
    {
        // Between two windows is the only place a model changes hands, and only when the gate says so at that window.
        if (Volatile.Read(ref _pending) is not null && (SwapPermitted is null || SwapPermitted()) && Interlocked.Exchange(ref _pending, null) is { } pending)
        {
            var previous = _classifier;
            Volatile.Write(ref _classifier, pending.Classifier);
            _evidence = pending.Evidence;
            Volatile.Write(ref _currentModel, pending.Name);
            Volatile.Write(ref _modelFault, null);
            Interlocked.Increment(ref _swaps);
            previous.Dispose();
            ModelSwapped?.Invoke(pending.Name);
        }

        if (_modelFault is not null)
        {
            return;
        }

        var classifier = _classifier;
        var manifest = classifier.Manifest;
        if (_gate?.Check() is { } rejection)
        {
            _lastRejected = true;
            _evidence.Reject();
            var evidenceLeader = _evidence.Leader;
            var rejected = new Decision(
                _windows, -1, rejection, 0f,
                evidenceLeader, manifest.Classes[evidenceLeader], _evidence.LeaderEvidence, true,
                sampleIndex, timestamp, manifest.ModelId, manifest.ModelVersion, _focus?.Score ?? double.NaN, rejection);
            Volatile.Write(ref _windows, _windows + 1);
            _onDecision(in rejected);
            return;
        }

        _lastRejected = false;
        _window.CopyWindow(classifier.Input);
        classifier.Run();
        var probabilities = classifier.Probabilities;
        if (ProbabilityCheck.Inspect(probabilities) is { IsFault: true } fault)
        {
            ReportModelFault(fault, manifest);
            return;
        }

        var belowFloor = _evidence.Update(probabilities);
        var top = 0;
        for (var k = 1; k < probabilities.Length; k++)
        {
            if (probabilities[k] > probabilities[top])
            {
                top = k;
            }
        }

        var leader = _evidence.Leader;
        var decision = new Decision(
            _windows, top, manifest.Classes[top], probabilities[top],
            leader, manifest.Classes[leader], _evidence.LeaderEvidence, belowFloor,
            sampleIndex, timestamp, manifest.ModelId, manifest.ModelVersion, _focus?.Score ?? double.NaN);
        Volatile.Write(ref _windows, _windows + 1);
        _onDecision(in decision);
    }

    /// <summary>The fault path, once per model: the message is made here, never for a good window.</summary>
    private void ReportModelFault(ProbabilityFault fault, ModelManifest manifest)
    {
        var message = string.Create(CultureInfo.InvariantCulture,
            $"model {_currentModel}, window #{_windows}: {fault.Describe(manifest.Classes)}; the model is no longer trusted and classifies no more windows until another takes over");
        Volatile.Write(ref _modelFault, message);
        _evidence.Reset();
        ModelFaulted?.Invoke(message);
    }

    private sealed record PendingSwap(OnnxWindowClassifier Classifier, EvidenceAccumulator Evidence, string Name);
}
