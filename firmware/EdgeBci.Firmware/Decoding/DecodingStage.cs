using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using Microsoft.Extensions.Configuration;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Firmware;

/// <summary>
/// The decoding stage's configuration, checked before the host starts (a bad Decoding key stops start-up with its
/// name), and the one place a model bundle becomes a running classifier: its signature checked as the board requires
/// (<see cref="ModelTrustChoice"/>), verified (SHA-256 of every file), checked
/// against the unit's channels, rate and signal chain, its output checked to be a Softmax over the classes, loaded
/// and warmed up (its output on the warm-up window a probability distribution). A bundle that fails any of that, or
/// whose model ONNX Runtime cannot run, is not a start-up error: the firmware runs without a decoder, says why, and
/// nothing downstream may move.
/// </summary>
internal sealed class DecodingStage
{
    private DecodingStage(DecodingOptions options, string? bundleFolder, UnitConfiguration unit, double microvoltsPerQ31, FocusMeter focus, QualitySource quality,
        string board, string trustFolder)
    {
        Board = board;
        TrustFolder = trustFolder;
        Quality = quality;
        Options = options;
        BundleFolder = bundleFolder;
        Unit = unit;
        MicrovoltsPerQ31 = microvoltsPerQ31;
        Focus = focus;
    }

    public DecodingOptions Options { get; }

    /// <summary>The board the unit runs on: it decides whether an unsigned model may load (the emulator only).</summary>
    public string Board { get; }

    /// <summary>Full path of the folder of trusted keys a model's signature is checked against.</summary>
    public string TrustFolder { get; }

    /// <summary>Full path of the configured bundle, or null when Decoding:ModelPath is empty (no decoder wanted).</summary>
    public string? BundleFolder { get; }

    /// <summary>What the unit's chain outputs, for checking models against.</summary>
    public UnitConfiguration Unit { get; }

    public double MicrovoltsPerQ31 { get; }

    /// <summary>The signal stage's channel conditions: windows with an unusable model channel are rejected.</summary>
    public QualitySource Quality { get; }

    /// <summary>The focus meter, fed the broadband raw stream by the signal stage; it counts only good channels.</summary>
    public FocusMeter Focus { get; }

    /// <exception cref="ArgumentException">A Decoding key is invalid (named).</exception>
    public static DecodingStage Create(IConfiguration configuration, FrontEnd frontEnd, SignalStage signal, string contentRoot)
    {
        var options = AcquisitionSettings.BindSection<DecodingOptions>(configuration, DecodingOptions.Section);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        var unit = UnitConfiguration.For(signal.Options, frontEnd.ChannelNames, frontEnd.SampleRate);
        var focus = new FocusMeter(frontEnd.ChannelNames, frontEnd.SampleRate, signal.MicrovoltsPerQ31, options.Focus, options.HopSeconds, signal.Conditions);
        var folder = string.IsNullOrWhiteSpace(options.ModelPath) ? null : Path.GetFullPath(options.ModelPath, contentRoot);
        return new DecodingStage(options, folder, unit, signal.MicrovoltsPerQ31, focus, new QualitySource(signal.Conditions, frontEnd.ChannelNames),
            frontEnd.Board.Name, ModelTrustChoice.TrustFolder(configuration, contentRoot));
    }

    /// <summary>The signature policy for this board, with the trust folder read now (<see cref="ModelTrustChoice.For"/>).</summary>
    /// <exception cref="ModelBundleException">The trust folder holds a file that is not a public key (named).</exception>
    public ModelTrustPolicy TrustPolicy() => ModelTrustChoice.For(Board, TrustFolder);

    /// <summary>
    /// Checks the signature, verifies, checks and loads the configured bundle, warmed up and ready to decode.
    /// </summary>
    /// <param name="warning">Set when the bundle loaded although it is unsigned (the emulator): the caller logs it.</param>
    /// <exception cref="ModelBundleException">
    /// The bundle is unsigned on a real board, signed by a key the unit does not trust or changed after signing, is
    /// missing, a file's SHA-256 differs, it does not fit the unit, its output is not a Softmax over the classes, or the
    /// model fails on the warm-up window (the reason named).
    /// </exception>
    public OnnxWindowClassifier LoadClassifier(out string? warning)
    {
        var folder = BundleFolder ?? throw new ModelBundleException("No model is configured (Decoding:ModelPath is empty).");
        var bundle = ModelBundle.Load(folder, TrustPolicy());
        warning = bundle.Warning;
        BundleCompatibility.Check(bundle.Manifest, Unit);
        OnnxWindowClassifier classifier;
        try
        {
            classifier = new OnnxWindowClassifier(bundle, Options.ToInferenceOptions(folder));
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ModelBundleException($"{bundle.Int8ModelPath}: ONNX Runtime cannot load the model: {exception.Message}", exception);
        }

        try
        {
            classifier.WarmUp();
        }
        catch (Exception exception) when (exception is not ModelBundleException)
        {
            // Whatever the model does on its first run, it is a model that cannot be used, never the end of the host.
            classifier.Dispose();
            throw new ModelBundleException($"{classifier.ModelPath}: the model fails on the warm-up window: {exception.GetType().Name}: {exception.Message}", exception);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }

        return classifier;
    }

    /// <summary>
    /// A decoder over <paramref name="classifier"/> (which it then owns). A model staged later takes over only at a
    /// window where <paramref name="swapPermitted"/> is true; <paramref name="onSwapped"/> and <paramref name="onModelFault"/>
    /// are called on the decoding thread (see <see cref="LiveDecoder.ModelSwapped"/>, <see cref="LiveDecoder.ModelFaulted"/>).
    /// </summary>
    public LiveDecoder CreateDecoder(OnnxWindowClassifier classifier, DecisionHandler onDecision, Func<bool> swapPermitted, Action<string> onSwapped,
        Action<string> onModelFault) =>
        new(classifier, Unit, MicrovoltsPerQ31, Options, onDecision, Focus, Quality)
        {
            SwapPermitted = swapPermitted,
            ModelSwapped = onSwapped,
            ModelFaulted = onModelFault,
        };
}
