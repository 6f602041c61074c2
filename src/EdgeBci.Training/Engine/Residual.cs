using System.Numerics.Tensors;

namespace EdgeBci.Training.Engine;

/// <summary>
/// A skip connection around a shape-preserving block: <c>y = x + block(x)</c>. Transformer layers are
/// <c>Residual(LayerNorm → attention)</c> then <c>Residual(LayerNorm → Linear → Gelu → Linear)</c> (pre-norm, which
/// trains without learning-rate warm-up tricks). Backward: <c>dx = dy + block.Backward(dy)</c>.
/// </summary>
public sealed class Residual : ILayer
{
    public Residual(string name, ILayer block)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(block);
        Name = name;
        Block = block;
    }

    public string Name { get; }

    public ILayer Block { get; }

    public IReadOnlyList<Parameter> Parameters => Block.Parameters;

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = Block.Forward(input, training);
        if (!output.HasShape(input.ShapeArray()))
        {
            throw new InvalidOperationException($"{Name}: the block {Block.Name} turned {input} into {output}; a residual needs the same shape.");
        }

        var sum = Tensor.ZerosLike(input);
        TensorPrimitives.Add(input.Data, output.Data, sum.Data);
        return sum;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var inputGradient = Block.Backward(outputGradient);
        TensorPrimitives.Add(inputGradient.Data, outputGradient.Data, inputGradient.Data);
        return inputGradient;
    }
}
