using System.Runtime.InteropServices;

namespace EdgeBci.Decoding.Inference;

/// <summary>
/// Float buffers whose first element sits on a 64-byte boundary, for tensors ONNX Runtime reads in place. The
/// alignment is for reproducibility, not speed: ONNX Runtime's fp32 kernels (ReduceMean, the convolutions) take a
/// different path for the unaligned head of a buffer, so the same fp32 window can give probabilities that differ
/// in the last bits depending on where the GC happened to put the array (measured on 39 of 50 S001 windows with
/// ONNX Runtime 1.31.1; the int8 model was unaffected). A fixed alignment makes every run of a model on a window
/// give the same bits.
/// </summary>
internal static class AlignedBuffer
{
    public const int Alignment = 64;

    /// <summary>A slice of <paramref name="length"/> floats of a pinned array, starting on a 64-byte boundary.</summary>
    public static Memory<float> Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        const int slack = Alignment / sizeof(float);
        // The pinned object heap never moves an array, so the boundary found now stays a boundary.
        var array = GC.AllocateArray<float>(length + slack, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0).ToInt64();
        var offset = (int)((Alignment - (address % Alignment)) % Alignment) / sizeof(float);
        return array.AsMemory(offset, length);
    }
}
