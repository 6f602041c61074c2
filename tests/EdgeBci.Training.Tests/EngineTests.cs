using EdgeBci.Training.Engine;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The engine as a whole: training actually learns, runs are reproducible bit for bit (also between one thread and
/// many), the decoder architecture fits the parameter budget, and the optimiser and schedule do what their
/// documentation says.
/// </summary>
public class EngineTests
{
    [Test]
    public void A_small_network_trained_with_AdamW_learns_a_separable_toy_problem()
    {
        var (inputs, labels) = ToyBlobs(samples: 96, features: 4, classes: 3, seed: 5);
        var model = new Sequential("mlp", new Linear("hidden", 4, 16, seed: 1), new Gelu("gelu"), new Linear("head", 16, 3, seed: 2));
        var loss = new SoftmaxCrossEntropy();
        var optimizer = new AdamW(model.Parameters, learningRate: 1e-2);
        var initialLoss = loss.Forward(model.Forward(inputs, training: false), labels);

        for (var step = 0; step < 150; step++)
        {
            optimizer.ZeroGradients();
            loss.Forward(model.Forward(inputs, training: true), labels);
            model.Backward(loss.Backward());
            optimizer.Step();
        }

        var logits = model.Forward(inputs, training: false);
        var finalLoss = loss.Forward(logits, labels);
        Assert.That(finalLoss, Is.LessThan(initialLoss / 4));
        Assert.That(Accuracy(logits, labels), Is.GreaterThanOrEqualTo(0.95));
    }

    [Test]
    public void The_attention_decoder_learns_to_tell_a_10_Hz_rhythm_on_one_channel_from_one_on_another()
    {
        const int Channels = 4, Samples = 64, Trials = 32;
        var random = new Random(3);
        var inputs = Tensor.Zeros(Trials, Channels, Samples);
        var labels = new int[Trials];
        for (var trial = 0; trial < Trials; trial++)
        {
            labels[trial] = trial % 2;
            var phase = random.NextDouble() * 2 * Math.PI;
            for (var c = 0; c < Channels; c++)
            {
                for (var t = 0; t < Samples; t++)
                {
                    var rhythm = c == 1 + labels[trial] ? 2 * Math.Sin((2 * Math.PI * 10 * t / 128) + phase) : 0;
                    inputs.Data[inputs.Offset(trial, c, t)] = (float)(rhythm + (0.5 * ((2 * random.NextDouble()) - 1)));
                }
            }
        }

        var model = EngineTestModels.AttentionDecoder(Channels, Samples, classes: 2, temporalKernel: 9, pool: 4, embedding: 8, heads: 2, attentionLayers: 1, seed: 7);
        var loss = new SoftmaxCrossEntropy();
        var optimizer = new AdamW(model.Parameters, learningRate: 5e-3);
        var schedule = new CosineLearningRateSchedule(5e-3, totalSteps: 60, warmupSteps: 5);
        var initialLoss = loss.Forward(model.Forward(inputs, training: false), labels);

        for (var step = 0; step < 60; step++)
        {
            optimizer.LearningRate = schedule.LearningRateAt(step);
            optimizer.ZeroGradients();
            loss.Forward(model.Forward(inputs, training: true), labels);
            model.Backward(loss.Backward());
            GradientClipping.ClipGlobalNorm(model.Parameters, 5);
            optimizer.Step();
        }

        var logits = model.Forward(inputs, training: false);
        Assert.That(loss.Forward(logits, labels), Is.LessThan(initialLoss / 2));
        Assert.That(Accuracy(logits, labels), Is.GreaterThanOrEqualTo(0.9));
    }

    [Test]
    public void The_same_seeds_give_bit_identical_parameters_whether_run_on_one_thread_or_many()
    {
        var savedDegree = Parallelism.MaxDegreeOfParallelism;
        var savedWork = Parallelism.MinimumParallelWork;
        try
        {
            Parallelism.MinimumParallelWork = 0;
            Parallelism.MaxDegreeOfParallelism = -1;
            var parallelFirst = TrainDecoderBriefly();
            var parallelSecond = TrainDecoderBriefly();
            Parallelism.MaxDegreeOfParallelism = 1;
            var sequential = TrainDecoderBriefly();

            Assert.That(parallelSecond, Is.EqualTo(parallelFirst), "two parallel runs");
            Assert.That(sequential, Is.EqualTo(parallelFirst), "sequential and parallel runs");
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = savedDegree;
            Parallelism.MinimumParallelWork = savedWork;
        }
    }

    [Test]
    public void The_full_size_decoder_fits_the_parameter_budget_and_outputs_probabilities()
    {
        var model = EngineTestModels.AttentionDecoder(channels: 8, samples: 500, classes: 4, temporalKernel: 64, pool: 4, embedding: 32, heads: 4, attentionLayers: 2, seed: 1);

        var probabilities = SoftmaxCrossEntropy.Softmax(model.Forward(EngineGradientTests.RandomTensor(1, [2, 8, 500]), training: false));

        Assert.That(model.ParameterCount(), Is.InRange(10_000, 50_000));
        Assert.That(probabilities.Shape, Is.EqualTo(new[] { 2, 4 }));
        Assert.That(probabilities.Data.Take(4).Sum(), Is.EqualTo(1).Within(1e-5));
    }

    [Test]
    public void Parameter_counts_follow_the_layer_shapes()
    {
        Assert.That(new Linear("fc", 4, 3, seed: 1).ParameterCount(), Is.EqualTo((4 * 3) + 3));
        Assert.That(new TemporalConvolution("conv", 8, 64, seed: 1).ParameterCount(), Is.EqualTo(8 * 64));
        Assert.That(new DepthwiseSpatialConvolution("spatial", 8, 2, 8, seed: 1).ParameterCount(), Is.EqualTo(16 * 8));
        Assert.That(new BatchNormalization("bn", 16).ParameterCount(), Is.EqualTo(32));
        Assert.That(new MultiHeadSelfAttention("attention", 16, 2, seed: 1).ParameterCount(), Is.EqualTo(4 * ((16 * 16) + 16)));
        Assert.That(new Sequential("model", new Linear("a", 4, 3, seed: 1), new Gelu("gelu"), new Linear("b", 3, 2, seed: 2)).ParameterCount(), Is.EqualTo(15 + 8));
    }

    [Test]
    public void AdamW_decays_weights_but_not_biases_or_gains()
    {
        var linear = new Linear("fc", 2, 2, seed: 1);
        var norm = new LayerNormalization("ln", 2);
        var model = new Sequential("model", linear, norm);
        var weightBefore = linear.Weight.Value.Data.ToArray();
        var biasBefore = linear.Bias.Value.Data.ToArray();
        var optimizer = new AdamW(model.Parameters, learningRate: 0.1, weightDecay: 0.5);

        optimizer.Step();

        Assert.That(linear.Weight.Value.Data, Is.EqualTo(weightBefore.Select(w => w * 0.95f).ToArray()).Within(1e-6));
        Assert.That(linear.Bias.Value.Data, Is.EqualTo(biasBefore));
        Assert.That(norm.Gain.Value.Data, Is.EqualTo(new[] { 1f, 1f }));
    }

    [Test]
    public void AdamW_first_step_moves_each_value_by_the_learning_rate_against_its_gradient_sign()
    {
        var parameter = new Parameter("p.bias", new Tensor([1f, 1f, 1f], 3));
        parameter.Gradient.Data[0] = 0.001f;
        parameter.Gradient.Data[1] = -50f;
        var optimizer = new AdamW([parameter], learningRate: 0.01);

        optimizer.Step();

        Assert.That(parameter.Value.Data, Is.EqualTo(new[] { 0.99f, 1.01f, 1f }).Within(1e-5));
    }

    [Test]
    public void The_cosine_schedule_warms_up_linearly_then_anneals_to_the_minimum()
    {
        var schedule = new CosineLearningRateSchedule(1e-3, totalSteps: 110, warmupSteps: 10, minimumLearningRate: 1e-5);

        Assert.That(schedule.LearningRateAt(0), Is.EqualTo(1e-4).Within(1e-12));
        Assert.That(schedule.LearningRateAt(9), Is.EqualTo(1e-3).Within(1e-12));
        Assert.That(schedule.LearningRateAt(10), Is.EqualTo(1e-3).Within(1e-12));
        Assert.That(schedule.LearningRateAt(60), Is.EqualTo((1e-3 + 1e-5) / 2).Within(1e-12));
        Assert.That(schedule.LearningRateAt(500), Is.EqualTo(1e-5));
    }

    [Test]
    public void Batch_normalization_at_inference_uses_the_running_statistics()
    {
        var layer = new BatchNormalization("bn", 1, momentum: 1);
        layer.Forward(new Tensor([1f, 3f, 5f, 7f], 2, 1, 2), training: true);

        var output = layer.Forward(new Tensor([4f, 4f + MathF.Sqrt(20f / 3)], 1, 1, 2), training: false);

        Assert.That(layer.RunningMean.Data[0], Is.EqualTo(4f));
        Assert.That(layer.RunningVariance.Data[0], Is.EqualTo(20f / 3).Within(1e-5));
        Assert.That(output.Data, Is.EqualTo(new[] { 0f, 1f }).Within(1e-5));
    }

    [Test]
    public void Gradient_clipping_scales_the_joint_norm_down_to_the_bound()
    {
        var a = new Parameter("a.weight", Tensor.Zeros(1));
        var b = new Parameter("b.weight", Tensor.Zeros(1));
        a.Gradient.Data[0] = 3;
        b.Gradient.Data[0] = 4;

        var norm = GradientClipping.ClipGlobalNorm([a, b], 1);

        Assert.That(norm, Is.EqualTo(5).Within(1e-12));
        Assert.That(new[] { a.Gradient.Data[0], b.Gradient.Data[0] }, Is.EqualTo(new[] { 0.6f, 0.8f }).Within(1e-6));
    }

    [Test]
    public void Reshaping_a_tensor_gives_a_view_on_the_same_data()
    {
        var tensor = Tensor.Zeros(2, 3, 4);

        var view = tensor.Reshape(6, -1);
        view.Data[view.Offset(5, 3)] = 7;

        Assert.That(view.Shape, Is.EqualTo(new[] { 6, 4 }));
        Assert.That(tensor.Data[tensor.Offset(1, 2, 3)], Is.EqualTo(7));
        Assert.Throws<ArgumentException>(() => tensor.Reshape(5, -1));
    }

    // A few steps of the decoder with dropout, on data with enough samples that the parallel paths really run.
    private static float[] TrainDecoderBriefly()
    {
        var model = EngineTestModels.AttentionDecoder(channels: 4, samples: 32, classes: 3, temporalKernel: 7, pool: 2, embedding: 8, heads: 2, attentionLayers: 2, seed: 11);
        var inputs = EngineGradientTests.RandomTensor(2, [12, 4, 32]);
        var labels = Enumerable.Range(0, 12).Select(i => i % 3).ToArray();
        var loss = new SoftmaxCrossEntropy([1f, 2f, 1f]);
        var optimizer = new AdamW(model.Parameters, learningRate: 1e-2);
        for (var step = 0; step < 4; step++)
        {
            optimizer.ZeroGradients();
            loss.Forward(model.Forward(inputs, training: true), labels);
            model.Backward(loss.Backward());
            optimizer.Step();
        }

        return [.. model.Parameters.SelectMany(parameter => parameter.Value.Data)];
    }

    private static (Tensor Inputs, int[] Labels) ToyBlobs(int samples, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, features).Select(_ => 3 * ((2 * random.NextDouble()) - 1)).ToArray()).ToArray();
        var inputs = Tensor.Zeros(samples, features);
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            labels[i] = i % classes;
            for (var f = 0; f < features; f++)
            {
                inputs.Data[(i * features) + f] = (float)(centres[labels[i]][f] + (0.3 * ((2 * random.NextDouble()) - 1)));
            }
        }

        return (inputs, labels);
    }

    private static double Accuracy(Tensor logits, int[] labels)
    {
        var classes = logits.Dimension(1);
        var correct = 0;
        for (var b = 0; b < labels.Length; b++)
        {
            var row = logits.Data.AsSpan(b * classes, classes);
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == labels[b])
            {
                correct++;
            }
        }

        return (double)correct / labels.Length;
    }
}

/// <summary>The decoder architecture the engine exists for, at any size, for tests.</summary>
internal static class EngineTestModels
{
    /// <summary>
    /// [B, C, T] → EEGNet tokenizer (temporal convolution, batch norm, depthwise spatial convolution with D = 2, batch
    /// norm, ELU, average pooling, dropout) → tokens [B, T/pool, 2·8] → linear embedding → positional embedding →
    /// pre-norm transformer layers → layer norm → mean over tokens → linear classifier logits [B, classes].
    /// </summary>
    internal static Sequential AttentionDecoder(int channels, int samples, int classes, int temporalKernel, int pool, int embedding, int heads, int attentionLayers, int seed)
    {
        const int TemporalFilters = 8, DepthMultiplier = 2;
        var maps = TemporalFilters * DepthMultiplier;
        var tokens = samples / pool;
        var layers = new List<ILayer>
        {
            new Reshape("input", 1, channels, samples),
            new TemporalConvolution("temporal", TemporalFilters, temporalKernel, seed),
            new BatchNormalization("temporal_bn", TemporalFilters),
            new DepthwiseSpatialConvolution("spatial", TemporalFilters, DepthMultiplier, channels, seed + 1),
            new BatchNormalization("spatial_bn", maps),
            new Elu("elu"),
            new AveragePooling("pool", pool),
            new Dropout("conv_dropout", 0.25, seed + 2),
            new FeatureMapsToTokens("tokens"),
            new Linear("embed", maps, embedding, seed + 3),
            new PositionalEmbedding("position", tokens, embedding, seed + 4),
        };
        for (var l = 0; l < attentionLayers; l++)
        {
            layers.Add(new Residual($"block{l}.attention_residual", new Sequential(
                $"block{l}.attention_path",
                new LayerNormalization($"block{l}.attention_norm", embedding),
                new MultiHeadSelfAttention($"block{l}.attention", embedding, heads, seed + 10 + l),
                new Dropout($"block{l}.attention_dropout", 0.1, seed + 20 + l))));
            layers.Add(new Residual($"block{l}.feedforward_residual", new Sequential(
                $"block{l}.feedforward_path",
                new LayerNormalization($"block{l}.feedforward_norm", embedding),
                new Linear($"block{l}.feedforward_in", embedding, 2 * embedding, seed + 30 + l),
                new Gelu($"block{l}.gelu"),
                new Linear($"block{l}.feedforward_out", 2 * embedding, embedding, seed + 40 + l))));
        }

        layers.Add(new LayerNormalization("final_norm", embedding));
        layers.Add(new MeanPooling("mean"));
        layers.Add(new Linear("classifier", embedding, classes, seed + 50));
        return new Sequential("decoder", [.. layers]);
    }

    /// <summary>Every layer inside <paramref name="layer"/>, depth first, containers included (the decoder's own walk).</summary>
    internal static IEnumerable<ILayer> Flatten(ILayer layer) => EdgeBci.Training.Model.AttentionDecoder.Flatten(layer);
}
