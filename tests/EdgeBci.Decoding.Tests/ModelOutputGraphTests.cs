using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// The load-time checks of a model's output (<see cref="OutputGraphCheck"/>, and the warm-up window in
/// <see cref="OnnxWindowClassifier.WarmUp"/>): the graph must end in a Softmax over the classes, and its output on the
/// warm-up window must be a probability distribution; the shipped and the trainer's bundles pass.
/// </summary>
public sealed class ModelOutputGraphTests
{
    private static string ShippedBundle
    {
        get
        {
            // tests/EdgeBci.Decoding.Tests/bin/{configuration}/{framework}/ → the repository.
            var repository = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(repository, "firmware", "EdgeBci.Firmware", "models", "s001-left-vs-right");
        }
    }

    [TestCase(ModelPrecision.Int8)]
    [TestCase(ModelPrecision.Fp32)]
    public void The_shipped_bundle_and_the_trainers_bundles_load_and_warm_up(ModelPrecision precision)
    {
        var options = new InferenceOptions { Precision = precision };
        foreach (var folder in new[] { ShippedBundle, S001Bundles.Folder, S001Bundles.OtherFolder })
        {
            using var classifier = new OnnxWindowClassifier(ModelBundle.Load(folder, ModelTrustPolicy.None), options);
            classifier.WarmUp();
            Assert.That(ProbabilityCheck.Inspect(classifier.Probabilities).IsFault, Is.False, folder);
        }
    }

    [Test]
    public void The_graph_check_reads_the_shipped_int8_model_and_says_how_long_it_took()
    {
        var path = Path.Combine(ShippedBundle, ModelManifest.Int8ModelFile);
        var bytes = File.ReadAllBytes(path);
        OutputGraphCheck.Check(bytes, path, "probabilities", 2);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        const int Runs = 20;
        for (var i = 0; i < Runs; i++)
        {
            OutputGraphCheck.Check(bytes, path, "probabilities", 2);
        }

        // A figure for the record, not a goal: the check runs once per load, beside the SHA-256 and ONNX Runtime's own load.
        TestContext.Out.WriteLine($"graph check of {bytes.Length:N0} bytes: {clock.Elapsed.TotalMilliseconds / Runs:0.00} ms per load");
        Assert.That(() => OutputGraphCheck.Check(bytes, path, "logits", 2), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("output 'logits' is not class probabilities: it comes from node 'classifier' (Gemm)"), "the shipped graph's own logits are refused");
    }

    [Test]
    public void A_softmax_reached_through_identity_cast_or_one_quantize_dequantize_pair_is_accepted()
    {
        using var identityAndCast = TestModelBundles.Classifier("identity-cast", OnnxTestModels.SoftmaxThroughIdentityAndCast);
        using var quantized = TestModelBundles.Classifier("qdq", (c, s) => OnnxTestModels.SoftmaxThroughQdq(c, s, 1f / 126));

        Assert.That(identityAndCast.Probabilities.ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f }));
        Assert.That(quantized.Probabilities.ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f }).Within(1e-6f));
    }

    [Test]
    public void A_bundle_that_outputs_logits_is_refused_naming_the_node_its_operator_and_the_classes()
    {
        var bundle = TestModelBundles.Write("logits", OnnxTestModels.LogitsOnly);

        Assert.That(() => new OnnxWindowClassifier(bundle), Throws.TypeOf<ModelBundleException>().With.Message.Contain(bundle.Int8ModelPath)
            .And.Message.Contain("output 'probabilities' is not class probabilities: it comes from node 'classifier' (MatMul)")
            .And.Message.Contain("over the 2 classes").And.Message.Contain("[batch, 2]"));
    }

    [Test]
    public void A_softmax_scaled_by_a_later_mul_is_refused()
    {
        var bundle = TestModelBundles.Write("scaled", OnnxTestModels.ScaledSoftmax);

        Assert.That(() => new OnnxWindowClassifier(bundle), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("it comes from node 'scale' (Mul)"));
    }

    [Test]
    public void A_softmax_over_the_batch_axis_is_refused()
    {
        var bundle = TestModelBundles.Write("over-batch", OnnxTestModels.SoftmaxOverBatch);

        Assert.That(() => new OnnxWindowClassifier(bundle), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("node 'output' (Softmax) over axis 0, not over the classes"));
    }

    [Test]
    public void A_quantize_dequantize_pair_with_two_scales_is_refused()
    {
        var bundle = TestModelBundles.Write("two-scales", OnnxTestModels.SoftmaxThroughQdqWithTwoScales);

        Assert.That(() => new OnnxWindowClassifier(bundle), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("node 'p_DequantizeLinear' (DequantizeLinear), which does not undo a QuantizeLinear with the same scale and zero point"));
    }

    [Test]
    public void A_file_that_is_not_an_onnx_model_is_refused_by_the_graph_check_with_its_path()
    {
        Assert.That(() => OutputGraphCheck.Check([0x0a, 0xff, 0xff], "/models/x/model.onnx", "probabilities", 2), Throws.TypeOf<ModelBundleException>()
            .With.Message.StartWith("/models/x/model.onnx: not a readable ONNX model"));
    }

    [Test]
    public void A_model_whose_warm_up_output_is_not_a_distribution_is_refused_at_warm_up()
    {
        // Passes the graph check (one QuantizeLinear/DequantizeLinear pair), but saturates at 0.25: [0.25, 0.25].
        var bundle = TestModelBundles.Write("saturates-at-quarter", (c, s) => OnnxTestModels.SoftmaxThroughQdq(c, s, 0.25f / 127));
        using var classifier = new OnnxWindowClassifier(bundle);

        Assert.That(() => classifier.WarmUp(), Throws.TypeOf<ModelBundleException>().With.Message.Contain(bundle.Int8ModelPath)
            .And.Message.Contain("on the warm-up window the model's output is not a probability distribution: the probabilities sum to 0.5"));
    }

    [Test]
    public void A_model_that_loads_but_fails_when_run_is_refused_at_warm_up_with_onnx_runtimes_reason()
    {
        var bundle = TestModelBundles.Write("fails-when-run", OnnxTestModels.FailsWhenRun);
        using var classifier = new OnnxWindowClassifier(bundle);

        Assert.That(() => classifier.WarmUp(), Throws.TypeOf<ModelBundleException>().With.Message.Contain(bundle.Int8ModelPath)
            .And.Message.Contain("the model loads but fails when run on the warm-up window").And.Message.Contain("indices"));
    }
}
