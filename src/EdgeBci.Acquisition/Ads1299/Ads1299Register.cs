namespace EdgeBci.Acquisition.Ads1299;

/// <summary>ADS1299 register addresses (datasheet SBAS499, register map).</summary>
public enum Ads1299Register : byte
{
    ID = 0x00,
    CONFIG1 = 0x01,
    CONFIG2 = 0x02,
    CONFIG3 = 0x03,
    LOFF = 0x04,
    CH1SET = 0x05,
    CH2SET = 0x06,
    CH3SET = 0x07,
    CH4SET = 0x08,
    CH5SET = 0x09,
    CH6SET = 0x0A,
    CH7SET = 0x0B,
    CH8SET = 0x0C,
    BIAS_SENSP = 0x0D,
    BIAS_SENSN = 0x0E,
    LOFF_SENSP = 0x0F,
    LOFF_SENSN = 0x10,
    LOFF_FLIP = 0x11,
    LOFF_STATP = 0x12,
    LOFF_STATN = 0x13,
    GPIO = 0x14,
    MISC1 = 0x15,
    MISC2 = 0x16,
    CONFIG4 = 0x17,
}

/// <summary>SPI opcodes. RREG and WREG carry the start address in their low five bits.</summary>
public enum Ads1299Command : byte
{
    WAKEUP = 0x02,
    STANDBY = 0x04,
    RESET = 0x06,
    START = 0x08,
    STOP = 0x0A,
    RDATAC = 0x10,
    SDATAC = 0x11,
    RDATA = 0x12,
    RREG = 0x20,
    WREG = 0x40,
}

/// <summary>Register facts shared by the driver and the emulator, so both read the datasheet the same way.</summary>
public static class Ads1299RegisterMap
{
    public const int RegisterCount = 0x18;
    public const int ChannelsPerChip = 8;

    /// <summary>Reset values (datasheet register map; CHnSET resets to 0x61, the input-shorted mux, as silicon does).</summary>
    public static ReadOnlySpan<byte> ResetValues =>
    [
        0x3E, // ID (8-channel ADS1299, revision field as shipped)
        0x96, 0xC0, 0x60, 0x00,
        0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
        0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, // LOFF_STATP, LOFF_STATN
        0x0F, 0x00, 0x00, 0x00,
    ];

    /// <summary>Bits a WREG can change; the rest are read-only or reserved and keep their value.</summary>
    public static ReadOnlySpan<byte> WritableMasks =>
    [
        0x00, // ID
        0x67, // CONFIG1: DAISY_EN, CLK_EN, DR (bit 7 and bits 4:3 reserved)
        0x17, // CONFIG2: INT_CAL, CAL_AMP0, CAL_FREQ
        0x9E, // CONFIG3: PD_REFBUF, BIAS_MEAS, BIASREF_INT, PD_BIAS, BIAS_LOFF_SENS (BIAS_STAT read-only)
        0xEF, // LOFF: COMP_TH, ILEAD_OFF, FLEAD_OFF
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00,
        0xFF, // GPIO: data bits of inputs are overwritten by the pins
        0x20, // MISC1: SRB1
        0x00, // MISC2
        0x0A, // CONFIG4: SINGLE_SHOT, PD_LOFF_COMP
    ];

    public static Ads1299Register ChannelSetRegister(int channelInChip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channelInChip);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channelInChip, ChannelsPerChip);
        return (Ads1299Register)((int)Ads1299Register.CH1SET + channelInChip);
    }

    public static bool IsReadOnly(Ads1299Register register) => WritableMasks[(int)register] == 0;

    /// <summary>
    /// Bits a read-back must reproduce. GPIOD of a pin set as input reads the pin, not what was written, and
    /// CONFIG3.BIAS_STAT reports the bias lead, so those bits are not compared.
    /// </summary>
    public static byte ReadBackMask(Ads1299Register register) => register switch
    {
        Ads1299Register.GPIO => 0x0F,
        _ => WritableMasks[(int)register],
    };
}
