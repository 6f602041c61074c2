using System.Diagnostics;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;

namespace EdgeBci.Firmware;

/// <summary>
/// The decoding stage's models: the one loaded at start-up, the watcher that verifies, warms up and stages a changed
/// bundle, the gate that lets a staged model take over only while the chair is still, and the model faults the
/// decoder reports.
/// </summary>
internal sealed partial class DecodingService
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);
    private readonly Lock _modelLock = new();
    private Func<bool>? _swapPermitted;
    private int _gateFailed;
    private (DateTime Written, long Length) _loadedManifest;

    /// <summary>
    /// Raised when a model is loaded, staged or refused (on the watcher's thread), swapped in or faulted (on the
    /// decoding thread): for the events topic. Must be quick and must not throw.
    /// </summary>
    public event Action<ModelChange>? ModelChanged;

    /// <summary>
    /// Whether a staged model may take over now: the control wiring sets it to "the supervisor is Disarmed or in
    /// SafeStop". Asked on the decoding thread at the start of each window while a model is staged, so it must be quick
    /// and allocation-free. Until it is set, and whenever it throws, the answer is no: a new model stays staged.
    /// </summary>
    public Func<bool>? SwapPermitted
    {
        get => Volatile.Read(ref _swapPermitted);
        set => Volatile.Write(ref _swapPermitted, value);
    }

    /// <summary>Loads the configured bundle; on any failure the stage runs without a decoder and logs the reason.</summary>
    private void TryStart()
    {
        if (stage.BundleFolder is null)
        {
            NoDecoder("no model configured (Decoding:ModelPath is empty)");
            return;
        }

        var clock = Stopwatch.StartNew();
        _loadedManifest = ManifestStamp();
        try
        {
            var classifier = stage.LoadClassifier(out var warning);
            LogUnsignedIfSo(warning);
            Start(classifier, clock);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            NoDecoder(Reason(exception));
        }
    }

    private void NoDecoder(string reason)
    {
        Unavailable = reason;
        LogNoDecoder(reason);
        UpdateStatus(_ => new DecoderStatus(false, false, reason));
    }

    /// <summary>
    /// The first decoder: at start-up, or when a bundle appears where there was none (not gated: without a model
    /// nothing can have been armed).
    /// </summary>
    private void Start(OnnxWindowClassifier classifier, Stopwatch? clock)
    {
        LiveDecoder decoder;
        try
        {
            decoder = stage.CreateDecoder(classifier, OnDecision, MaySwap, OnModelSwapped, OnModelFault);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }

        Volatile.Write(ref _decoder, decoder);
        Unavailable = null;
        LogLoaded(classifier.ToString(), stage.BundleFolder!, clock?.ElapsedMilliseconds ?? 0, classifier.LoadedFromCache);
        UpdateStatus(_ => new DecoderStatus(true, true, null, classifier.ModelId, classifier.ModelVersion));
        ModelChanged?.Invoke(new ModelChange("loaded", $"{classifier} loaded and verified", classifier.ModelId, classifier.ModelVersion));
    }

    /// <summary>The gate the decoder asks at a window while a model is staged: no until wired, no when it throws.</summary>
    private bool MaySwap()
    {
        try
        {
            return Volatile.Read(ref _swapPermitted)?.Invoke() == true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            if (Interlocked.Exchange(ref _gateFailed, 1) == 0)
            {
                LogGateFailed(exception.GetType().Name, exception.Message);
            }

            return false;
        }
    }

    /// <summary>On the decoding thread, before the staged model's first window.</summary>
    private void OnModelSwapped(string model)
    {
        var decoder = Volatile.Read(ref _decoder)!;
        var manifest = decoder.CurrentManifest;
        lock (_modelLock)
        {
            LogSwapped(model, decoder.WindowsDecoded);
            UpdateStatus(_ => new DecoderStatus(true, true, null, manifest.ModelId, manifest.ModelVersion, decoder.StagedModel));
            ModelChanged?.Invoke(new ModelChange("swapped", $"{model} took over from window #{decoder.WindowsDecoded} on, the supervisor being disarmed or in SafeStop",
                manifest.ModelId, manifest.ModelVersion));
        }
    }

    /// <summary>On the decoding thread, once per model: its output was not a probability distribution.</summary>
    private void OnModelFault(string reason)
    {
        // The supervisor's view first: between a log line and the status an arm could still read the model as verified.
        UpdateStatus(status => status with { ModelVerified = false, Reason = reason });
        LogModelFault(reason);
        ModelChanged?.Invoke(new ModelChange("faulted", reason, null, null));
    }

    /// <summary>Polls the bundle's manifest; a changed bundle is verified, warmed up and staged (or refused with its reason).</summary>
    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        if (stage.BundleFolder is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(WatchInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var stamp = ManifestStamp();
            if (stamp == _loadedManifest || stamp.Length == 0)
            {
                continue;
            }

            _loadedManifest = stamp;
            SwapIn();
        }
    }

    private void SwapIn()
    {
        OnnxWindowClassifier next;
        try
        {
            next = stage.LoadClassifier(out var warning);
            LogUnsignedIfSo(warning);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Refuse(Reason(exception));
            return;
        }

        var running = Volatile.Read(ref _decoder);
        if (running is null)
        {
            try
            {
                Start(next, clock: null);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Refuse(Reason(exception));
            }

            return;
        }

        var description = next.ToString();
        // With the decoding thread's swap report: "staged" is said, and the status set, before "swapped".
        lock (_modelLock)
        {
            var result = running.Swap(next);
            if (!result.Accepted)
            {
                next.Dispose();
                Refuse($"{description} refused: {result.Reason ?? "refused"}");
                return;
            }

            LogStaged(description);
            if (SwapPermitted is null)
            {
                LogNoGate();
            }

            UpdateStatus(status => status with { Staged = description });
            ModelChanged?.Invoke(new ModelChange("staged", $"{description} verified, warmed up and staged; it takes effect when the supervisor is disarmed or in SafeStop",
                null, null));
        }
    }

    private void Refuse(string reason)
    {
        LogSwapRefused(reason);
        ModelChanged?.Invoke(new ModelChange("refused", reason, null, null));
    }

    // A bundle's own refusal names the file and the fault; anything else thrown while loading is named by its type.
    private static string Reason(Exception exception) =>
        exception is ModelBundleException ? exception.Message : $"{exception.GetType().Name}: {exception.Message}";

    private void LogUnsignedIfSo(string? warning)
    {
        if (warning is not null)
        {
            LogUnsigned(warning);
        }
    }

    // The manifest and its signature: a bundle signed in place (edgebci sign-model) after it was written is looked at
    // again, or a unit that refused it as unsigned would never see the signature arrive. A missing manifest is length 0.
    private (DateTime Written, long Length) ManifestStamp()
    {
        var manifest = new FileInfo(Path.Combine(stage.BundleFolder!, ModelManifest.FileName));
        if (!manifest.Exists)
        {
            return (DateTime.MinValue, 0);
        }

        var signature = new FileInfo(Path.Combine(stage.BundleFolder!, ModelSignature.FileName));
        var signed = signature.Exists ? signature.LastWriteTimeUtc : DateTime.MinValue;
        return (signed > manifest.LastWriteTimeUtc ? signed : manifest.LastWriteTimeUtc, manifest.Length + (signature.Exists ? signature.Length : 0));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "decoder: {Warning}")]
    private partial void LogUnsigned(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "decoder: {Model} loaded from {Folder}, verified and warmed up in {Milliseconds} ms (optimised model from cache: {Cached})")]
    private partial void LogLoaded(string model, string folder, long milliseconds, bool cached);

    [LoggerMessage(Level = LogLevel.Warning, Message = "decoder: none, {Reason}; there will be no decisions and nothing may move")]
    private partial void LogNoDecoder(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "decoder: {Model} verified, warmed up and staged, takes effect when disarmed (the supervisor Disarmed or in SafeStop); the running model continues until then")]
    private partial void LogStaged(string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "decoder: no swap gate is wired (DecodingService.SwapPermitted): a staged model never takes effect; restart the unit to load it")]
    private partial void LogNoGate();

    [LoggerMessage(Level = LogLevel.Warning, Message = "decoder: the swap gate threw {Type}: {Message}; a staged model stays staged")]
    private partial void LogGateFailed(string type, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "decoder: swapped in {Model} from window #{Window} on, the supervisor disarmed or in SafeStop; arming needs a new local arm")]
    private partial void LogSwapped(string model, long window);

    [LoggerMessage(Level = LogLevel.Error, Message = "decoder: model fault: {Reason}; the model is not verified and nothing may move")]
    private partial void LogModelFault(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "decoder: new model refused, the running one continues: {Reason}")]
    private partial void LogSwapRefused(string reason);
}
