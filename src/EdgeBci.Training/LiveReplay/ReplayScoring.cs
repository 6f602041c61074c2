using System.Globalization;
using EdgeBci.Control.Supervision;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Recording;
using EdgeBci.Training.Data;
using EdgeBci.Training.Onnx;

namespace EdgeBci.Training.LiveReplay;

/// <summary>A live replay scored against its cues, beside the same bundle's offline accuracy on the same run.</summary>
/// <param name="Replay">What happened on the virtual clock.</param>
/// <param name="Score">The chair's moves against the cues.</param>
/// <param name="OfflineCorrect">Trials the same model got right offline, one window per trial at the task's offset (as the trainer cuts it).</param>
/// <param name="OfflineTrials">Trials of the task in the run.</param>
public sealed record ReplayScoreReport(LiveReplayResult Replay, ReplayScore Score, int OfflineCorrect, int OfflineTrials)
{
    public double OfflineAccuracy => OfflineTrials == 0 ? 0 : (double)OfflineCorrect / OfflineTrials;
}

/// <summary>
/// <c>edgebci replay-score</c>'s work: checks the recording against the bundle, replays it (see
/// <see cref="LiveReplayRunner"/>), scores every cue (see <see cref="CueScorer"/>) and classifies the run offline.
/// </summary>
public static class ReplayScoring
{
    /// <exception cref="ArgumentException">The bundle has no task, or a channel the unit or the model needs is not in the recording (named).</exception>
    /// <exception cref="RecordingFormatException">The recording cannot be read.</exception>
    /// <exception cref="ModelBundleException">The bundle fails its checksums or does not fit the unit.</exception>
    public static ReplayScoreReport Run(string bundleFolder, string recordingPath, ReplayConfiguration configuration, ModelPrecision precision,
        IReadOnlyList<DataGap>? gaps = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var bundle = ModelBundle.Load(bundleFolder, ModelTrustPolicy.None);
        var manifest = bundle.Manifest;
        var task = manifest.Task ?? throw new ArgumentException(
            $"{Path.Combine(bundle.Folder, ModelManifest.FileName)} does not record its task, so the recording's cues cannot be mapped to its classes; retrain with edgebci train.");
        if (!File.Exists(recordingPath))
        {
            throw new ArgumentException($"{recordingPath}: no such recording.");
        }

        var recording = RecordingLoader.Load(recordingPath);
        CheckChannels(recording, configuration.Ads1299.Channels, manifest);
        var cues = RecordingCues.From(recording, task);
        var replay = new LiveReplayRunner(configuration, precision) { DataGaps = gaps ?? [] }
            .Run(bundle, recordingPath, recording.SampleCount / recording.SampleRate);
        var policy = new IntentPolicy(configuration.Control.EffectivePolicy);
        var score = CueScorer.Score(cues.Trials, cues.Rests, replay.Moves, policy, cues.CuedClasses);
        var (correct, trials) = Offline(bundle, precision, recordingPath, task, configuration);
        return new ReplayScoreReport(replay, score, correct, trials);
    }

    /// <summary>The channels the emulator plays (the unit's montage) and the model reads must all be in the recording.</summary>
    private static void CheckChannels(MicrovoltRecording recording, IReadOnlyList<string> unitChannels, ModelManifest manifest)
    {
        var missing = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in unitChannels)
        {
            if (recording.FindChannel(name) < 0)
            {
                missing.Add(name);
            }
        }

        foreach (var name in manifest.Channels)
        {
            if (recording.FindChannel(name) < 0)
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            throw new ArgumentException(
                $"{Path.GetFileName(recording.SourcePath)} lacks channel(s) {string.Join(", ", missing)} that the unit's montage (Ads1299:Channels) or the model {manifest.ModelId} needs; it has: {string.Join(", ", recording.ChannelLabels)}.");
        }
    }

    private static (int Correct, int Trials) Offline(ModelBundle bundle, ModelPrecision precision, string recordingPath, ModelTask task, ReplayConfiguration configuration)
    {
        var manifest = bundle.Manifest;
        var definition = new TaskDefinition(task.Name, [.. task.Runs], task.ClassByAnnotation, task.WindowStartSeconds, task.WindowEndSeconds);
        var dataset = DatasetBuilder.Build([recordingPath], definition, manifest.Channels, ReplaySettings.From(configuration.Ads1299), manifest.SignalChain);
        if (dataset.SamplesPerWindow != manifest.WindowSamples)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(recordingPath)} gives windows of {dataset.SamplesPerWindow} samples at Ads1299:SampleRate = {configuration.Ads1299.SampleRate}; the model takes {manifest.WindowSamples}."));
        }

        var path = precision == ModelPrecision.Fp32 ? bundle.Fp32ModelPath : bundle.Int8ModelPath;
        using var classifier = new OnnxClassifier(File.ReadAllBytes(path), dataset.ChannelCount, dataset.SamplesPerWindow, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var predictions = classifier.Predict(dataset);

        // The dataset's labels index its own sorted class list; the model's output indexes the manifest's.
        var correct = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            var truth = dataset.ClassNames[dataset.Labels[i]];
            correct += string.Equals(manifest.Classes[predictions[i]], truth, StringComparison.Ordinal) ? 1 : 0;
        }

        return (correct, dataset.Count);
    }
}
