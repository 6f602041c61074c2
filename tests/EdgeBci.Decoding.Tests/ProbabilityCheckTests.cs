using EdgeBci.Decoding.Inference;

namespace EdgeBci.Decoding.Tests;

/// <summary>The run-time check of one output vector, rule by rule: each case below passes only with its own rule.</summary>
public sealed class ProbabilityCheckTests
{
    private static readonly string[] Classes = ["left", "right", "rest"];

    [TestCase(new[] { 0.5f, 0.5f, 0f })]
    [TestCase(new[] { 1f, 0f, 0f })]
    [TestCase(new[] { 0.2f, 0.3f, 0.5009f })]
    [TestCase(new[] { 0.2f, 0.3f, 0.4991f })]
    public void A_distribution_within_the_tolerance_passes(float[] probabilities)
    {
        var fault = ProbabilityCheck.Inspect(probabilities);

        Assert.That(fault.IsFault, Is.False, fault.Describe(Classes));
    }

    [TestCase(float.NaN, "probability 1 ('right') is NaN, not a finite number")]
    [TestCase(float.PositiveInfinity, "probability 1 ('right') is Infinity, not a finite number")]
    [TestCase(float.NegativeInfinity, "probability 1 ('right') is -Infinity, not a finite number")]
    public void A_value_that_is_not_a_number_is_a_fault(float value, string expected)
    {
        // NaN fails every comparison, so only the finiteness rule can catch it.
        var fault = ProbabilityCheck.Inspect([0.5f, value, 0.5f]);

        Assert.That(fault.Kind, Is.EqualTo(ProbabilityFaultKind.NotFinite));
        Assert.That(fault.Describe(Classes), Is.EqualTo(expected));
    }

    [TestCase(new[] { 1.5f, -0.5f, 0f }, 0, "probability 0 ('left') is 1.5, outside [0, 1]")]
    [TestCase(new[] { 0.6f, 0.6f, -0.2f }, 2, "probability 2 ('rest') is -0.2, outside [0, 1]")]
    public void A_value_outside_zero_to_one_is_a_fault_even_when_the_sum_is_one(float[] probabilities, int at, string expected)
    {
        var fault = ProbabilityCheck.Inspect(probabilities);

        Assert.That(fault.Kind, Is.EqualTo(ProbabilityFaultKind.OutOfRange));
        Assert.That(fault.Class, Is.EqualTo(at));
        Assert.That(fault.Describe(Classes), Is.EqualTo(expected));
    }

    [TestCase(new[] { 0.25f, 0.25f, 0f }, "the probabilities sum to 0.5, not 1 ± 0.001")]
    [TestCase(new[] { 0.2f, 0.3f, 0.5011f }, "the probabilities sum to 1.0011, not 1 ± 0.001")]
    [TestCase(new[] { 0.2f, 0.3f, 0.4989f }, "the probabilities sum to 0.9989, not 1 ± 0.001")]
    [TestCase(new[] { 0f, 0f, 0f }, "the probabilities sum to 0, not 1 ± 0.001")]
    public void Values_in_range_that_do_not_sum_to_one_are_a_fault(float[] probabilities, string expected)
    {
        var fault = ProbabilityCheck.Inspect(probabilities);

        Assert.That(fault.Kind, Is.EqualTo(ProbabilityFaultKind.SumNotOne));
        Assert.That(fault.Describe(Classes), Is.EqualTo(expected));
    }

    [Test]
    public void Checking_allocates_nothing()
    {
        float[] good = [0.25f, 0.25f, 0.5f];
        float[] bad = [0.25f, float.NaN, 0.5f];
        ProbabilityCheck.Inspect(good);
        ProbabilityCheck.Inspect(bad);

        var faults = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            faults += ProbabilityCheck.Inspect(good).IsFault ? 1 : 0;
            faults += ProbabilityCheck.Inspect(bad).IsFault ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(faults, Is.EqualTo(1000));
    }
}
