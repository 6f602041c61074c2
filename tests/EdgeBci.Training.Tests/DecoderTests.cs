using System.Diagnostics;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Data;
using EdgeBci.Training.Engine;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The attention decoder end to end: it learns a band-power difference, trains reproducibly, round-trips through a
/// checkpoint, rejects a damaged checkpoint, and stays within the parameter budget.
/// </summary>
public class DecoderTests
{
    [Test]
    public void The_decoder_tells_apart_classes_that_differ_by_10_Hz_power_on_held_out_trials()
    {
        var dataset = BandPowerDataset(trials: 80, channels: 8, samples: 500, seed: 3);
        var split = CrossValidation.StratifiedKFold(dataset.Labels, 4, seed: 1)[0];
        var shape = DecoderTrainer.ShapeFor(dataset, seed: 2) with { AttentionLayers = 1 };
        var options = new TrainingOptions(MaxEpochs: 30, Patience: 10, PeakLearningRate: 3e-3, WarmupEpochs: 2, TimeBudget: TimeSpan.FromSeconds(25), Seed: 4);
        var reports = new List<EpochReport>();

        var (decoder, summary) = DecoderTrainer.Train(dataset.Subset(split.TrainIndices), shape, options, new SynchronousProgress<EpochReport>(reports.Add));
        var test = dataset.Subset(split.TestIndices);
        var predictions = decoder.Predict(test);
        var accuracy = (double)predictions.Zip(test.Labels).Count(pair => pair.First == pair.Second) / test.Count;

        TestContext.Out.WriteLine($"{summary}; held-out accuracy {accuracy:P0}");
        Assert.That(accuracy, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(reports, Has.Count.EqualTo(summary.EpochsRun));
        Assert.That(reports[0].ValidationLoss, Is.Not.Null);
        Assert.That(decoder.Predict(test.Windows[0]), Is.EqualTo(predictions[0]));
        Assert.That(decoder.Probabilities(test.Windows[0]).Sum(), Is.EqualTo(1).Within(1e-5));
    }

    [Test]
    public void The_same_seeds_give_bit_identical_weights_after_three_epochs()
    {
        var dataset = BandPowerDataset(trials: 24, channels: 4, samples: 128, seed: 5);
        var shape = SmallShape(dataset);
        var options = new TrainingOptions(MaxEpochs: 3, BatchSize: 8, Seed: 9);

        var (first, _) = DecoderTrainer.Train(dataset, shape, options);
        var (second, _) = DecoderTrainer.Train(dataset, shape, options);
        var (otherSeed, _) = DecoderTrainer.Train(dataset, shape, options with { Seed = 10 });

        var firstState = ModelCheckpoint.Capture(first.Network).SelectMany(entry => entry.Values).ToArray();
        Assert.That(ModelCheckpoint.Capture(second.Network).SelectMany(entry => entry.Values).ToArray(), Is.EqualTo(firstState));
        Assert.That(ModelCheckpoint.Capture(otherSeed.Network).SelectMany(entry => entry.Values).ToArray(), Is.Not.EqualTo(firstState));
    }

    [Test]
    public void A_checkpoint_round_trip_gives_identical_predictions()
    {
        var dataset = BandPowerDataset(trials: 24, channels: 4, samples: 128, seed: 6);
        var shape = SmallShape(dataset);
        var (trained, _) = DecoderTrainer.Train(dataset, shape, new TrainingOptions(MaxEpochs: 2, BatchSize: 8, ValidationFraction: 0));
        var path = Path.Combine(Path.GetTempPath(), $"decoder-{Guid.NewGuid():N}.ckpt");
        try
        {
            ModelCheckpoint.Save(trained.Network, path);
            var restored = new AttentionDecoder(shape with { Seed = 99 });
            Assert.That(restored.Probabilities(dataset.Windows).Data, Is.Not.EqualTo(trained.Probabilities(dataset.Windows).Data));

            ModelCheckpoint.Load(restored.Network, path);

            Assert.That(restored.Probabilities(dataset.Windows).Data, Is.EqualTo(trained.Probabilities(dataset.Windows).Data));
            var norm = restored.Layers().OfType<BatchNormalization>().First();
            var trainedNorm = trained.Layers().OfType<BatchNormalization>().First();
            Assert.That(norm.RunningMean.Data, Is.EqualTo(trainedNorm.RunningMean.Data));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_tampered_or_mismatched_checkpoint_is_rejected()
    {
        var dataset = BandPowerDataset(trials: 8, channels: 4, samples: 128, seed: 7);
        var decoder = new AttentionDecoder(SmallShape(dataset));
        using var memory = new MemoryStream();
        ModelCheckpoint.Save(decoder.Network, memory);
        var bytes = memory.ToArray();
        var target = new AttentionDecoder(SmallShape(dataset) with { Seed = 5 });
        var before = ModelCheckpoint.Capture(target.Network).SelectMany(entry => entry.Values).ToArray();

        var tampered = (byte[])bytes.Clone();
        tampered[^10] ^= 0x01;
        var hashError = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(target.Network, tampered));
        Assert.That(hashError!.Message, Does.Contain("SHA-256"));

        var badMagic = (byte[])bytes.Clone();
        badMagic[0] ^= 0xFF;
        Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(target.Network, badMagic));

        var wider = new AttentionDecoder(SmallShape(dataset) with { Classes = 3 });
        var shapeError = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(wider.Network, bytes));
        Assert.That(shapeError!.Message, Does.Contain("classifier"));

        var deeper = new AttentionDecoder(SmallShape(dataset) with { AttentionLayers = 2 });
        var nameError = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(deeper.Network, bytes));
        Assert.That(nameError!.Message, Does.Contain("block1"));

        Assert.That(ModelCheckpoint.Capture(target.Network).SelectMany(entry => entry.Values).ToArray(), Is.EqualTo(before), "a rejected file leaves the model untouched");
    }

    [Test]
    public void The_full_size_decoder_stays_within_the_parameter_budget()
    {
        foreach (var classes in new[] { 2, 4 })
        {
            var decoder = new AttentionDecoder(new DecoderShape(8, 500, classes));
            TestContext.Out.WriteLine($"{classes} classes: {decoder.ParameterCount} parameters");
            Assert.That(decoder.ParameterCount, Is.InRange(1_000, DecoderShape.MaximumParameters));
            Assert.That(decoder.ParameterCount, Is.EqualTo(decoder.Network.ParameterCount()));
        }

        var tooBig = Assert.Throws<ArgumentException>(() => _ = new AttentionDecoder(new DecoderShape(64, 500, 2, TemporalFilters: 64, TemporalKernel: 64, Heads: 4)));
        Assert.That(tooBig!.Message, Does.Contain("budget"));
    }

    [Test]
    [Explicit("Measures the decoder on eegmmidb S001 (several minutes); not part of make test.")]
    public void Measure_the_decoder_on_S001()
    {
        string[] montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];
        var folder = Path.GetDirectoryName(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R06.edf")))!;
        foreach (var task in TaskDefinition.BuiltIn)
        {
            var clock = Stopwatch.StartNew();
            var dataset = DatasetBuilder.Build(folder, 1, task, montage, ReplaySettings.Default, new EdgeBci.Signal.Chain.SignalOptions());
            var options = new TrainingOptions(TimeBudget: TimeSpan.FromSeconds(80));
            var results = DecoderEvaluation.Run(dataset, task, options: options, log: new SynchronousProgress<string>(line => TestContext.Out.WriteLine($"  {line}")));
            foreach (var result in results)
            {
                TestContext.Out.WriteLine($"{task.Name} {result.Model} {result.Protocol}: accuracy {result.Metrics.Accuracy:P1}, " +
                    $"balanced {result.Metrics.BalancedAccuracy:P1}, kappa {result.Metrics.CohensKappa:F2} (n = {result.Metrics.SampleCount})");
            }

            var baseline = BaselineEvaluation.Run(dataset, task);
            foreach (var result in baseline)
            {
                TestContext.Out.WriteLine($"{task.Name} {result.Model} {result.Protocol}: accuracy {result.Metrics.Accuracy:P1}");
            }

            TestContext.Out.WriteLine($"{task.Name}: {dataset.Count} trials, {dataset.ChannelCount}×{dataset.SamplesPerWindow}, wall time {clock.Elapsed.TotalSeconds:F0} s");
        }
    }

    private static DecoderShape SmallShape(EpochDataset dataset) =>
        new(dataset.ChannelCount, dataset.SamplesPerWindow, dataset.ClassNames.Count, TemporalKernel: 9, Pool: 8, AttentionLayers: 1, Seed: 3);

    /// <summary>
    /// Class 0 carries a 10 Hz rhythm (random phase, 10 µV) on the first quarter of the channels, class 1 on the last
    /// quarter; every channel has 5 µV white noise plus a DC offset. 250 Hz.
    /// </summary>
    internal static EpochDataset BandPowerDataset(int trials, int channels, int samples, int seed)
    {
        var random = new Random(seed);
        var group = Math.Max(1, channels / 4);
        var windows = new List<float[]>(trials);
        var labels = new int[trials];
        for (var trial = 0; trial < trials; trial++)
        {
            var label = trial % 2;
            labels[trial] = label;
            var window = new float[channels * samples];
            var phase = random.NextDouble() * 2 * Math.PI;
            for (var c = 0; c < channels; c++)
            {
                var active = label == 0 ? c < group : c >= channels - group;
                var offset = 20 * random.NextDouble();
                for (var t = 0; t < samples; t++)
                {
                    var rhythm = active ? 10 * Math.Sin((2 * Math.PI * 10 * t / 250.0) + phase + c) : 0;
                    window[(c * samples) + t] = (float)(offset + rhythm + (5 * Gaussian(random)));
                }
            }

            windows.Add(window);
        }

        var runs = Enumerable.Range(0, trials).Select(i => 1 + (3 * i / trials)).ToArray();
        var onsets = Enumerable.Range(0, trials).Select(i => 4.0 * i).ToArray();
        return new EpochDataset(windows, labels, runs, onsets, ["a", "b"],
            [.. Enumerable.Range(0, channels).Select(c => $"E{c}")], 250, samples);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
