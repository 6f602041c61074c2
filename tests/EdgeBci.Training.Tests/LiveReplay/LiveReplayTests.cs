using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.LiveReplay;

namespace EdgeBci.Training.Tests.LiveReplay;

/// <summary>
/// The shipped bundle replayed on a real eegmmidb run through the unit's emulator, chain, decoder and supervisor onto
/// the simulated chair, on the virtual clock: deterministic, non-trivial, and fail-safe when the data stops.
/// </summary>
public class LiveReplayTests
{
    private static readonly string Firmware = Path.Combine(RepositoryRoot(), "firmware", "EdgeBci.Firmware");
    private static readonly string ShippedBundle = Path.Combine(Firmware, "models", "s001-left-vs-right");

    [Test]
    public void The_shipped_bundle_on_S001R04_moves_during_cues_and_scores_the_same_twice()
    {
        var recording = SharedData.Path("eegmmidb/S001/S001R04.edf");
        var configuration = Configuration();

        var first = ReplayScoring.Run(ShippedBundle, recording, configuration, ModelPrecision.Int8);
        var second = ReplayScoring.Run(ShippedBundle, recording, configuration, ModelPrecision.Int8);

        TestContext.Out.WriteLine($"S001R04: {first.Score.Cues} cues, {first.Score.CuedWay} cued way, {first.Score.WrongWay} wrong way, {first.Score.NoMove} no move, " +
            $"{first.Score.RestMovesPerMinute:0.00} rest moves/min, ITR {first.Score.ItrBitsPerMinute:0.00} bits/min, offline {first.OfflineCorrect}/{first.OfflineTrials}, armed at {first.Replay.ArmedAtSeconds:0.00} s");
        Assert.That(first.Replay.ArmedAtSeconds, Is.Not.Null, "the replay arms as the emulator's automatic arm does");
        Assert.That(first.Score.Cues, Is.EqualTo(15), "run 4 has 15 left/right cues");
        Assert.That(first.Score.CuedWay + first.Score.WrongWay, Is.GreaterThan(0), "a replay in which the chair never moves on a cue scores nothing");
        Assert.That(first.Replay.Decisions, Is.GreaterThan(400), "a decision every 0.25 s over about two minutes");
        Assert.That(first.OfflineTrials, Is.EqualTo(15));
        Assert.That(second.Replay.Moves, Is.EqualTo(first.Replay.Moves));
        Assert.That(second.Replay.Events, Is.EqualTo(first.Replay.Events));
        Assert.That(second.Score.Trials.Select(t => (t.Outcome, t.SecondsToMove)), Is.EqualTo(first.Score.Trials.Select(t => (t.Outcome, t.SecondsToMove))));
        Assert.That(second.Score.ItrBitsPerMinute, Is.EqualTo(first.Score.ItrBitsPerMinute));
    }

    [Test]
    public void Data_lost_while_the_chair_moves_latches_a_stop_and_leaves_it_stopped()
    {
        var recording = SharedData.Path("eegmmidb/S001/S001R04.edf");
        var configuration = Configuration();
        var bundle = ModelBundle.Load(ShippedBundle, ModelTrustPolicy.None);
        var runner = new LiveReplayRunner(configuration, ModelPrecision.Int8);
        var clean = runner.Run(bundle, recording, 60);
        var segment = clean.Motion.First(m => m.EndSeconds - m.StartSeconds > 0.3);
        var lossAt = segment.StartSeconds + 0.1;

        // The link drops for good mid-move: nothing after it reaches the unit.
        var lossy = new LiveReplayRunner(configuration, ModelPrecision.Int8) { DataGaps = [new DataGap(lossAt, 1000)] }.Run(bundle, recording, lossAt + 10);

        Assert.That(lossy.Events, Has.Some.Contain("SafeStop FrameTimeout"), string.Join(Environment.NewLine, lossy.Events));
        Assert.That(lossy.Moves.Where(m => m.Seconds >= lossAt), Is.Empty, "no move starts after the loss");
        var last = lossy.Motion[^1];
        Assert.That(last.EndSeconds, Is.LessThan(lossAt + 0.5), "the chair brakes to a stand within the frame timeout and the platform's deceleration");
        Assert.That(lossy.MovingAtEnd, Is.False);
        Assert.That(lossy.FinalState, Is.EqualTo(Control.Supervision.SupervisorState.SafeStop));
    }

    [Test]
    public void A_recording_without_the_models_channels_is_refused_by_name()
    {
        var configuration = Configuration() with { Ads1299 = new Acquisition.Configuration.Ads1299Options { Channels = ["C3", "Cz", "C4", "XX9", "FC3", "FC4", "CP3", "CP4"] } };
        var error = Assert.Throws<ArgumentException>(() =>
            ReplayScoring.Run(ShippedBundle, SharedData.Path("eegmmidb/S001/S001R04.edf"), configuration, ModelPrecision.Int8));
        Assert.That(error!.Message, Does.Contain("S001R04.edf lacks channel(s) XX9 that the unit's montage (Ads1299:Channels)"));
    }

    [Test]
    public void A_bundle_whose_model_was_altered_is_refused_by_its_checksum()
    {
        using var copy = new ScratchFolder("replay-bundle", ShippedBundle);
        var model = Path.Combine(copy.Path, ModelManifest.Int8ModelFile);
        var bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(model, bytes);

        var error = Assert.Throws<ModelBundleException>(() =>
            ReplayScoring.Run(copy.Path, SharedData.Path("eegmmidb/S001/S001R04.edf"), Configuration(), ModelPrecision.Int8));
        Assert.That(error!.Message, Does.Contain("model.onnx"));
    }

    private static ReplayConfiguration Configuration()
    {
        var manifest = ModelBundle.ReadManifest(Path.Combine(ShippedBundle, ModelManifest.FileName));
        return ReplayConfiguration.Bind(ReplayConfiguration.ReadFile(Path.Combine(Firmware, "appsettings.json")), manifest);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeBci.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No EdgeBci.sln above {AppContext.BaseDirectory}.");
    }
}
