using System.Buffers.Binary;

namespace EdgeBci.Recording;

/// <summary>Little-endian two's complement samples, 2 bytes (EDF) or 3 bytes (BDF) each.</summary>
internal static class SampleCodec
{
    public static void Decode(ReadOnlySpan<byte> bytes, int bytesPerSample, Span<int> samples)
    {
        if (bytesPerSample == 2)
        {
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(i * 2, 2));
            }

            return;
        }

        for (var i = 0; i < samples.Length; i++)
        {
            var o = i * 3;
            samples[i] = (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16)) << 8 >> 8;
        }
    }

    public static void Encode(ReadOnlySpan<int> samples, int bytesPerSample, Span<byte> bytes)
    {
        if (bytesPerSample == 2)
        {
            for (var i = 0; i < samples.Length; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(bytes.Slice(i * 2, 2), (short)samples[i]);
            }

            return;
        }

        for (var i = 0; i < samples.Length; i++)
        {
            var o = i * 3;
            var value = samples[i];
            bytes[o] = (byte)value;
            bytes[o + 1] = (byte)(value >> 8);
            bytes[o + 2] = (byte)(value >> 16);
        }
    }
}
