using EdgeBci.Training.Engine;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The engine's reductions add in one documented order, reproduced here in plain scalar code that has no vector width
/// at all: equality to the last bit shows the result cannot depend on the CPU's (the child-process test in the CLI
/// tests shows it end to end with the runtime's AVX knobs).
/// </summary>
public class DeterministicMathTests
{
    private static readonly int[] Lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 62, 63, 64, 500, 501];

    [Test]
    public void Dot_adds_in_the_documented_order_bit_for_bit([ValueSource(nameof(Lengths))] int length)
    {
        var (x, y) = Values(length, seed: length + 1);

        var dot = DeterministicMath.Dot(x, y);

        Assert.That(BitConverter.SingleToInt32Bits(dot), Is.EqualTo(BitConverter.SingleToInt32Bits(ReferenceOrder(x, y))));
        Assert.That(dot, Is.EqualTo(DoubleDot(x, y)).Within(1e-4 * (1 + length)));
    }

    [Test]
    public void Sum_adds_in_the_documented_order_bit_for_bit([ValueSource(nameof(Lengths))] int length)
    {
        var (x, _) = Values(length, seed: length + 2);
        var ones = Enumerable.Repeat(1f, length).ToArray();

        Assert.That(BitConverter.SingleToInt32Bits(DeterministicMath.Sum(x)), Is.EqualTo(BitConverter.SingleToInt32Bits(ReferenceOrder(x, ones))));
    }

    [Test]
    public void The_order_differs_from_a_plain_sequential_sum_so_the_test_above_can_tell()
    {
        var (x, y) = Values(501, seed: 9);
        var sequential = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            sequential += x[i] * y[i];
        }

        Assert.That(BitConverter.SingleToInt32Bits(ReferenceOrder(x, y)), Is.Not.EqualTo(BitConverter.SingleToInt32Bits(sequential)));
    }

    [Test]
    public void Exp_is_the_double_precision_library_exp_rounded_to_float()
    {
        var (x, _) = Values(37, seed: 4);
        var result = new float[x.Length];

        DeterministicMath.Exp(x, result);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.That(result[i], Is.EqualTo((float)Math.Exp(x[i])));
        }
    }

    [Test]
    public void Spans_of_different_lengths_are_refused_with_both_lengths()
    {
        Assert.That(() => DeterministicMath.Dot(new float[3], new float[4]), Throws.ArgumentException.With.Message.Contains("3 and 4"));
    }

    /// <summary>Eight running sums (two 4-lane accumulators) over blocks of 8, lanes paired as ((0+1)+(2+3)) after adding the two accumulators, then the tail in order.</summary>
    private static float ReferenceOrder(float[] x, float[] y)
    {
        var accumulators = new float[8];
        var blocks = x.Length - (x.Length % 8);
        for (var i = 0; i < blocks; i += 8)
        {
            for (var j = 0; j < 8; j++)
            {
                var product = x[i + j] * y[i + j];
                accumulators[j] += product;
            }
        }

        var lanes = new float[4];
        for (var j = 0; j < 4; j++)
        {
            lanes[j] = accumulators[j] + accumulators[j + 4];
        }

        var sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        for (var i = blocks; i < x.Length; i++)
        {
            var product = x[i] * y[i];
            sum += product;
        }

        return sum;
    }

    private static double DoubleDot(float[] x, float[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    private static (float[] X, float[] Y) Values(int length, int seed)
    {
        var random = new Random(seed);
        var x = new float[length];
        var y = new float[length];
        for (var i = 0; i < length; i++)
        {
            x[i] = (float)((random.NextDouble() * 4) - 2);
            y[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return (x, y);
    }
}
