using EdgeBci.Training.Engine;

namespace EdgeBci.Training.Tests;

/// <summary>
/// Every hand-written backward pass against central finite differences of its own forward pass. The loss is a fixed
/// random projection of the layer's output, <c>L = Σ y ⊙ R</c>, so ∂L/∂y = R and every output element matters. Both
/// the input gradient and every parameter gradient are compared, as whole vectors: relative error
/// <c>‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖)</c> below 1e-2, which float32 forward passes with a 1e-2 step
/// comfortably meet while any wrong term (a missing factor, a transposed index) fails by orders of magnitude.
/// </summary>
public class EngineGradientTests
{
    private const double Step = 1e-2;
    private const double Tolerance = 1e-2;
    private const double NormFloor = 1e-2;

    [Test]
    public void Temporal_convolution_with_an_odd_kernel_has_correct_gradients()
        => CheckLayer(new TemporalConvolution("conv", filters: 2, kernelLength: 3, seed: 1), RandomTensor(11, [2, 1, 3, 8]));

    [Test]
    public void Temporal_convolution_with_an_even_kernel_longer_than_half_the_signal_has_correct_gradients()
        => CheckLayer(new TemporalConvolution("conv", filters: 3, kernelLength: 6, seed: 2), RandomTensor(12, [2, 1, 3, 8]));

    [Test]
    public void Depthwise_spatial_convolution_has_correct_gradients()
        => CheckLayer(new DepthwiseSpatialConvolution("spatial", inputMaps: 2, depthMultiplier: 2, channels: 3, seed: 3), RandomTensor(13, [2, 2, 3, 8]));

    [Test]
    public void Batch_normalization_in_training_mode_has_correct_gradients()
    {
        var layer = new BatchNormalization("bn", features: 3);
        Randomize(layer, 4);
        CheckLayer(layer, RandomTensor(14, [2, 3, 2, 5], scale: 2, offset: 0.5f));
    }

    [Test]
    public void Batch_normalization_in_inference_mode_has_correct_gradients()
    {
        var layer = new BatchNormalization("bn", features: 3);
        Randomize(layer, 5);
        layer.Forward(RandomTensor(15, [4, 3, 1, 6], scale: 3, offset: 1), training: true);
        CheckLayer(layer, RandomTensor(16, [2, 3, 1, 4]), training: false);
    }

    [Test]
    public void Layer_normalization_has_correct_gradients()
    {
        var layer = new LayerNormalization("ln", features: 5);
        Randomize(layer, 6);
        CheckLayer(layer, RandomTensor(17, [2, 3, 5], scale: 2, offset: -0.5f));
    }

    [Test]
    public void Elu_has_correct_gradients() => CheckLayer(new Elu("elu"), RandomTensor(18, [2, 3, 7], scale: 2));

    [Test]
    public void Gelu_has_correct_gradients() => CheckLayer(new Gelu("gelu"), RandomTensor(19, [2, 3, 7], scale: 2));

    [Test]
    public void Average_pooling_with_a_remainder_has_correct_gradients()
        => CheckLayer(new AveragePooling("pool", poolSize: 2), RandomTensor(20, [2, 2, 1, 9]));

    [Test]
    public void Linear_on_batches_of_vectors_has_correct_gradients()
        => CheckLayer(new Linear("fc", inputFeatures: 4, outputFeatures: 3, seed: 7), RandomTensor(21, [2, 4]));

    [Test]
    public void Linear_on_token_sequences_has_correct_gradients()
        => CheckLayer(new Linear("fc", inputFeatures: 4, outputFeatures: 5, seed: 8), RandomTensor(22, [2, 3, 4]));

    [Test]
    public void Multi_head_self_attention_has_correct_gradients()
        => CheckLayer(new MultiHeadSelfAttention("attention", embedding: 8, heads: 2, seed: 9), RandomTensor(23, [2, 4, 8]));

    [Test]
    public void Attention_ignores_the_key_bias_so_its_gradient_is_zero()
    {
        var layer = new MultiHeadSelfAttention("attention", embedding: 8, heads: 2, seed: 9);
        layer.Forward(RandomTensor(23, [2, 4, 8]), training: true);

        layer.Backward(RandomTensor(24, [2, 4, 8]));

        Assert.That(layer.Key.Bias.Gradient.Data, Is.All.EqualTo(0).Within(1e-5));
        Assert.That(layer.Query.Bias.Gradient.Data.Max(Math.Abs), Is.GreaterThan(1e-3));
    }

    [Test]
    public void Mean_pooling_has_correct_gradients() => CheckLayer(new MeanPooling("mean"), RandomTensor(24, [2, 4, 3]));

    [Test]
    public void Feature_maps_to_tokens_has_correct_gradients() => CheckLayer(new FeatureMapsToTokens("tokens"), RandomTensor(25, [2, 3, 2, 4]));

    [Test]
    public void Reshape_has_correct_gradients() => CheckLayer(new Reshape("reshape", 1, 3, 4), RandomTensor(26, [2, 3, 4]));

    [Test]
    public void Positional_embedding_has_correct_gradients()
        => CheckLayer(new PositionalEmbedding("position", tokens: 4, embedding: 3, seed: 10), RandomTensor(27, [2, 4, 3]));

    [Test]
    public void Residual_block_has_correct_gradients()
        => CheckLayer(new Residual("residual", new Linear("fc", 4, 4, seed: 11)), RandomTensor(28, [2, 3, 4]));

    [Test]
    public void Dropout_with_a_fixed_mask_has_correct_gradients()
    {
        var layer = new Dropout("dropout", rate: 0.5, seed: 12);
        var input = RandomTensor(29, [2, 3, 8]);
        layer.Forward(input, training: true);
        layer.FreezeMask();

        CheckLayer(layer, input);
        var zeroed = layer.Forward(input, training: true).Data.Count(value => value == 0);
        Assert.That(zeroed, Is.InRange(5, 43), "about half of the 48 values are dropped");
    }

    [Test]
    public void Dropout_is_the_identity_at_inference()
    {
        var input = RandomTensor(30, [2, 3, 8]);

        var output = new Dropout("dropout", rate: 0.5, seed: 12).Forward(input, training: false);

        Assert.That(output.Data, Is.EqualTo(input.Data));
    }

    [Test]
    public void Softmax_cross_entropy_with_class_weights_has_correct_gradients()
    {
        var loss = new SoftmaxCrossEntropy([1f, 3f, 0.5f, 2f]);
        var logits = RandomTensor(31, [3, 4], scale: 2);
        int[] labels = [1, 3, 0];

        loss.Forward(logits, labels);
        var analytic = loss.Backward().Data;
        var numeric = NumericGradient(logits.Data, () => loss.Forward(logits, labels));

        AssertClose(analytic, numeric, "logits");
    }

    [Test]
    public void Softmax_cross_entropy_without_weights_is_the_mean_negative_log_probability_of_the_labels()
    {
        var loss = new SoftmaxCrossEntropy();
        var logits = new Tensor([0f, 0f, 2f, 1f, 1f, 1f], 2, 3);

        var value = loss.Forward(logits, [2, 0]);

        var expected = (-Math.Log(Math.Exp(2) / (2 + Math.Exp(2))) - Math.Log(1.0 / 3)) / 2;
        Assert.That(value, Is.EqualTo(expected).Within(1e-6));
        AssertClose(loss.Backward().Data, NumericGradient(logits.Data, () => loss.Forward(logits, [2, 0])), "logits");
    }

    [Test]
    public void A_whole_convolution_attention_decoder_has_correct_gradients_end_to_end()
    {
        var model = EngineTestModels.AttentionDecoder(channels: 3, samples: 8, classes: 3, temporalKernel: 3, pool: 2, embedding: 8, heads: 2, attentionLayers: 1, seed: 40);
        var input = RandomTensor(32, [2, 3, 8]);
        model.Forward(input, training: true);
        foreach (var dropout in EngineTestModels.Flatten(model).OfType<Dropout>())
        {
            dropout.FreezeMask();
        }

        CheckLayer(model, input);
    }

    [Test]
    public void Backward_adds_to_parameter_gradients_instead_of_overwriting_them()
    {
        var layer = new Linear("fc", 3, 2, seed: 13);
        var input = RandomTensor(33, [4, 3]);
        var outputGradient = RandomTensor(34, [4, 2]);
        layer.Forward(input, training: true);
        layer.Backward(outputGradient);
        var once = layer.Weight.Gradient.Data.ToArray();

        layer.Backward(outputGradient);

        Assert.That(layer.Weight.Gradient.Data, Is.EqualTo(once.Select(value => 2 * value).ToArray()).Within(1e-6));
    }

    // ---- Harness ------------------------------------------------------------------------------------------------

    internal static Tensor RandomTensor(int seed, int[] shape, float scale = 1, float offset = 0)
    {
        var tensor = Tensor.Zeros(shape);
        var random = new Random(seed);
        for (var i = 0; i < tensor.Length; i++)
        {
            tensor.Data[i] = offset + (scale * (float)((2 * random.NextDouble()) - 1));
        }

        return tensor;
    }

    // Moves gains and biases off their 1 and 0 starting values, so a gradient that ignores them would show.
    private static void Randomize(ILayer layer, int seed)
    {
        var random = new Random(seed);
        foreach (var parameter in layer.Parameters)
        {
            for (var i = 0; i < parameter.Length; i++)
            {
                parameter.Value.Data[i] += (float)((random.NextDouble() - 0.5) * 0.8);
            }
        }
    }

    private static void CheckLayer(ILayer layer, Tensor input, bool training = true)
    {
        var projection = RandomTensor(99, [.. layer.Forward(input, training).Shape]);
        double Loss()
        {
            var output = layer.Forward(input, training);
            var sum = 0.0;
            for (var i = 0; i < output.Length; i++)
            {
                sum += (double)output.Data[i] * projection.Data[i];
            }

            return sum;
        }

        layer.ZeroGradients();
        layer.Forward(input, training);
        var inputGradient = layer.Backward(projection.Clone());
        var parameterGradients = layer.Parameters.Select(parameter => parameter.Gradient.Data.ToArray()).ToList();

        // Parameter gradients may legitimately vanish: a key bias shifts every score of a query row equally, which
        // softmax ignores, and a batch-norm gain followed by another batch norm is divided out again.

        Assert.That(inputGradient.Shape, Is.EqualTo(input.Shape), "input gradient shape");
        AssertClose(inputGradient.Data, NumericGradient(input.Data, Loss), $"{layer.Name} input");
        for (var p = 0; p < layer.Parameters.Count; p++)
        {
            var parameter = layer.Parameters[p];
            AssertClose(parameterGradients[p], NumericGradient(parameter.Value.Data, Loss), parameter.Name, mayVanish: true);
        }
    }

    private static double[] NumericGradient(float[] values, Func<double> loss)
    {
        var gradient = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var original = values[i];
            values[i] = (float)(original + Step);
            double plusValue = values[i], plus = loss();
            values[i] = (float)(original - Step);
            double minusValue = values[i], minus = loss();
            values[i] = original;

            // Divide by the step float32 actually took, not the one asked for.
            gradient[i] = (plus - minus) / (plusValue - minusValue);
        }

        return gradient;
    }

    private static void AssertClose(float[] analytic, double[] numeric, string what, bool mayVanish = false)
    {
        Assert.That(analytic, Has.Length.EqualTo(numeric.Length), what);
        double difference = 0, analyticNorm = 0, numericNorm = 0;
        for (var i = 0; i < numeric.Length; i++)
        {
            difference += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            analyticNorm += (double)analytic[i] * analytic[i];
            numericNorm += numeric[i] * numeric[i];
        }

        var norm = Math.Sqrt(Math.Max(analyticNorm, numericNorm));
        if (!mayVanish)
        {
            Assert.That(norm, Is.GreaterThan(1e-6), $"{what}: the gradient is identically zero, so the check proves nothing");
        }

        // Relative to the norm, but never to less than NormFloor: gradients that are zero by an invariance (see
        // the parameter check) are compared on an absolute scale, since their float32 residue is pure noise.
        Assert.That(
            Math.Sqrt(difference) / Math.Max(norm, NormFloor),
            Is.LessThan(Tolerance),
            $"{what}: analytic and numeric gradients differ (norms {Math.Sqrt(analyticNorm):G3} and {Math.Sqrt(numericNorm):G3}, difference {Math.Sqrt(difference):G3})");
    }
}
