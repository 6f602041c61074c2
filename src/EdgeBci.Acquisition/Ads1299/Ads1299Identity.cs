namespace EdgeBci.Acquisition.Ads1299;

/// <summary>What the ID register says: bits [7:5] revision, bit 4 always 1, [3:2] device family 11, [1:0] channel count.</summary>
public readonly record struct Ads1299Identity(byte RawId)
{
    public const byte FamilyMask = 0x1F;
    public static ReadOnlySpan<byte> AcceptedIds => [0x1C, 0x1D, 0x1E];

    public bool IsAds1299 => (RawId & FamilyMask) is 0x1C or 0x1D or 0x1E;

    public int ChannelCount => (RawId & FamilyMask) switch
    {
        0x1C => 4,
        0x1D => 6,
        0x1E => 8,
        _ => 0,
    };

    public int Revision => RawId >> 5;

    public string Model => ChannelCount switch
    {
        8 => "ADS1299",
        6 => "ADS1299-6",
        4 => "ADS1299-4",
        _ => "unknown",
    };

    /// <summary>Throws with the ID read and the IDs accepted, naming the two dead-bus patterns explicitly.</summary>
    public void EnsureAds1299()
    {
        if (IsAds1299)
        {
            return;
        }

        var hint = RawId switch
        {
            0x00 => " (all zeros: MISO stuck low, chip unpowered, or PWDN/RESET held low)",
            0xFF => " (all ones: MISO floating or pulled up, no chip answering on this chip select)",
            _ => " (another device, or an ADS1298/ADS129x family part: its ID and CONFIG bits differ)",
        };
        throw new Ads1299Exception(
            $"ADS1299 ID register read 0x{RawId:X2}{hint}; expected ID & 0x1F to be 0x1C (ADS1299-4), 0x1D (ADS1299-6) or 0x1E (ADS1299).");
    }

    public override string ToString() => $"0x{RawId:X2} ({Model}, revision {Revision})";
}
