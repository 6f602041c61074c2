namespace EdgeBci.Acquisition.Ads1299;

/// <summary>
/// The data frame each chip shifts out per conversion: a 24-bit status word (1100, LOFF_STATP, LOFF_STATN,
/// GPIO[7:4]) then one 24-bit two's-complement sample per channel, most significant byte first.
/// </summary>
public static class Ads1299Frame
{
    public const int StatusBytes = 3;
    public const int SampleBytes = 3;
    public const int BytesPerChip = StatusBytes + (Ads1299RegisterMap.ChannelsPerChip * SampleBytes);

    /// <summary>Frame bytes of one chip: the 4- and 6-channel variants shift out fewer samples.</summary>
    public static int BytesPerChipWith(int channelsPerChip) => StatusBytes + (channelsPerChip * SampleBytes);
    public const uint StatusPreamble = 0b1100;

    public const int MaximumCount = 0x7FFFFF;
    public const int MinimumCount = -0x800000;

    public static int LengthFor(int chips, int channelsPerChip = Ads1299RegisterMap.ChannelsPerChip) =>
        chips * BytesPerChipWith(channelsPerChip);

    /// <summary>The 24-bit status word of one chip's block.</summary>
    public static uint Status(ReadOnlySpan<byte> chipBlock) =>
        ((uint)chipBlock[0] << 16) | ((uint)chipBlock[1] << 8) | chipBlock[2];

    public static bool HasValidPreamble(uint status) => (status >> 20) == StatusPreamble;

    public static byte LeadOffPositive(uint status) => (byte)(status >> 12);

    public static byte LeadOffNegative(uint status) => (byte)(status >> 4);

    public static byte GpioInputs(uint status) => (byte)(status & 0x0F);

    public static uint ComposeStatus(byte leadOffPositive, byte leadOffNegative, byte gpioNibble) =>
        (StatusPreamble << 20) | ((uint)leadOffPositive << 12) | ((uint)leadOffNegative << 4) | (uint)(gpioNibble & 0x0F);

    /// <summary>Sign-extends one big-endian 24-bit sample by placing it in the top of an int and shifting back.</summary>
    public static int ReadSample(ReadOnlySpan<byte> threeBytes) =>
        ((threeBytes[0] << 24) | (threeBytes[1] << 16) | (threeBytes[2] << 8)) >> 8;

    public static void WriteSample(Span<byte> threeBytes, int counts)
    {
        threeBytes[0] = (byte)(counts >> 16);
        threeBytes[1] = (byte)(counts >> 8);
        threeBytes[2] = (byte)counts;
    }

    public static void WriteStatus(Span<byte> threeBytes, uint status)
    {
        threeBytes[0] = (byte)(status >> 16);
        threeBytes[1] = (byte)(status >> 8);
        threeBytes[2] = (byte)status;
    }

    /// <summary>
    /// Decodes a whole chain's frame. Writes one status word per chip and all channel samples in chain order,
    /// returns how many chips carried a bad preamble. Allocation-free; the acquisition thread calls it per DRDY.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> frame, Span<uint> statusPerChip, Span<int> samples,
        int channelsPerChip = Ads1299RegisterMap.ChannelsPerChip)
    {
        var bytesPerChip = BytesPerChipWith(channelsPerChip);
        var chips = frame.Length / bytesPerChip;
        if (frame.Length != chips * bytesPerChip || chips == 0)
        {
            throw new ArgumentException($"An ADS1299 frame is {bytesPerChip} bytes per chip; got {frame.Length} bytes.", nameof(frame));
        }

        if (statusPerChip.Length < chips || samples.Length < chips * channelsPerChip)
        {
            throw new ArgumentException("Destination spans are shorter than the frame.");
        }

        var badChips = 0;
        var sampleIndex = 0;
        for (var chip = 0; chip < chips; chip++)
        {
            var block = frame.Slice(chip * bytesPerChip, bytesPerChip);
            var status = Status(block);
            statusPerChip[chip] = status;
            if (!HasValidPreamble(status))
            {
                badChips++;
            }

            for (var offset = StatusBytes; offset < bytesPerChip; offset += SampleBytes)
            {
                samples[sampleIndex++] = ReadSample(block.Slice(offset, SampleBytes));
            }
        }

        return badChips;
    }
}

/// <summary>Converts between ADS1299 counts and input-referred microvolts: LSB = 2·VREF / gain / 2^24.</summary>
public static class Ads1299Scaling
{
    public static double MicrovoltsPerCount(Ads1299Gain gain) =>
        2.0 * Ads1299Values.ReferenceVolts / Ads1299Values.Multiplier(gain) / (1 << 24) * 1e6;

    public static double ToMicrovolts(int counts, Ads1299Gain gain) => counts * MicrovoltsPerCount(gain);

    /// <summary>Rounds to the nearest count and saturates at the converter's full scale, as the chip does.</summary>
    public static int ToCounts(double microvolts, Ads1299Gain gain)
    {
        var counts = Math.Round(microvolts / MicrovoltsPerCount(gain), MidpointRounding.AwayFromZero);
        if (double.IsNaN(counts))
        {
            return 0;
        }

        return counts >= Ads1299Frame.MaximumCount ? Ads1299Frame.MaximumCount
            : counts <= Ads1299Frame.MinimumCount ? Ads1299Frame.MinimumCount
            : (int)counts;
    }

    /// <summary>Full-scale input in microvolts for a gain: ±VREF / gain.</summary>
    public static double FullScaleMicrovolts(Ads1299Gain gain) => Ads1299Values.ReferenceVolts / Ads1299Values.Multiplier(gain) * 1e6;
}
