namespace EdgeBci.Acquisition.Ads1299;

/// <summary>CONFIG1.DR[2:0]: output data rate with the 2.048 MHz master clock.</summary>
public enum Ads1299DataRate : byte
{
    Sps16000 = 0b000,
    Sps8000 = 0b001,
    Sps4000 = 0b010,
    Sps2000 = 0b011,
    Sps1000 = 0b100,
    Sps500 = 0b101,
    Sps250 = 0b110,
}

/// <summary>CHnSET.GAIN[2:0].</summary>
public enum Ads1299Gain : byte
{
    X1 = 0b000,
    X2 = 0b001,
    X4 = 0b010,
    X6 = 0b011,
    X8 = 0b100,
    X12 = 0b101,
    X24 = 0b110,
}

/// <summary>CHnSET.MUX[2:0]: what the channel's PGA sees.</summary>
public enum Ads1299ChannelInput : byte
{
    Normal = 0b000,
    Shorted = 0b001,
    BiasMeasurement = 0b010,
    Supply = 0b011,
    Temperature = 0b100,
    TestSignal = 0b101,
    BiasPositiveDrive = 0b110,
    BiasNegativeDrive = 0b111,
}

[Flags]
public enum ChannelSetBits : byte
{
    None = 0,
    Srb2 = 1 << 3,
    PowerDown = 1 << 7,
}

[Flags]
public enum Config1Bits : byte
{
    ReservedOne = 1 << 7,
    /// <summary>Set selects multiple-readback mode; clear selects daisy-chain mode.</summary>
    MultipleReadback = 1 << 6,
    ClockOutput = 1 << 5,
    ReservedFixed = 0b10 << 3,
}

[Flags]
public enum Config2Bits : byte
{
    ReservedFixed = 0b110 << 5,
    InternalTestSignal = 1 << 4,
    DoubleTestAmplitude = 1 << 2,
}

/// <summary>CONFIG2.CAL_FREQ[1:0].</summary>
public enum Ads1299TestSignalFrequency : byte
{
    /// <summary>fCLK / 2^21, about 0.98 Hz.</summary>
    Slow = 0b00,
    /// <summary>fCLK / 2^20, about 1.95 Hz.</summary>
    Fast = 0b01,
    Dc = 0b11,
}

[Flags]
public enum Config3Bits : byte
{
    ReservedFixed = 0b11 << 5,
    InternalReferenceEnabled = 1 << 7,
    BiasMeasurement = 1 << 4,
    BiasReferenceInternal = 1 << 3,
    BiasBufferEnabled = 1 << 2,
    BiasLeadOffSense = 1 << 1,
    BiasLeadOffStatus = 1 << 0,
}

[Flags]
public enum Config4Bits : byte
{
    None = 0,
    SingleShot = 1 << 3,
    LeadOffComparatorsEnabled = 1 << 1,
}

[Flags]
public enum Misc1Bits : byte
{
    None = 0,
    Srb1 = 1 << 5,
}

/// <summary>LOFF.ILEAD_OFF[1:0]: lead-off excitation current.</summary>
public enum LeadOffCurrent : byte
{
    Nanoamps6 = 0b00,
    Nanoamps24 = 0b01,
    Microamps6 = 0b10,
    Microamps24 = 0b11,
}

/// <summary>LOFF.FLEAD_OFF[1:0].</summary>
public enum LeadOffFrequency : byte
{
    Dc = 0b00,
    Ac7Hz8 = 0b01,
    Ac31Hz2 = 0b10,
    AcQuarterDataRate = 0b11,
}

/// <summary>LOFF.COMP_TH[2:0]: positive-side comparator threshold (the negative side mirrors it).</summary>
public enum LeadOffThreshold : byte
{
    Percent95 = 0b000,
    Percent92_5 = 0b001,
    Percent90 = 0b010,
    Percent87_5 = 0b011,
    Percent85 = 0b100,
    Percent80 = 0b101,
    Percent75 = 0b110,
    Percent70 = 0b111,
}

/// <summary>Numeric meaning of the encoded settings.</summary>
public static class Ads1299Values
{
    public const double MasterClockHz = 2_048_000;
    public const double ReferenceVolts = 4.5;

    public static int SamplesPerSecond(Ads1299DataRate rate) => rate switch
    {
        Ads1299DataRate.Sps16000 => 16000,
        Ads1299DataRate.Sps8000 => 8000,
        Ads1299DataRate.Sps4000 => 4000,
        Ads1299DataRate.Sps2000 => 2000,
        Ads1299DataRate.Sps1000 => 1000,
        Ads1299DataRate.Sps500 => 500,
        Ads1299DataRate.Sps250 => 250,
        _ => throw new ArgumentOutOfRangeException(nameof(rate), rate, "CONFIG1.DR 0b111 is reserved"),
    };

    public static bool TryParseDataRate(int samplesPerSecond, out Ads1299DataRate rate) => TryFind(samplesPerSecond, SamplesPerSecond, out rate);

    public static int Multiplier(Ads1299Gain gain) => gain switch
    {
        Ads1299Gain.X1 => 1,
        Ads1299Gain.X2 => 2,
        Ads1299Gain.X4 => 4,
        Ads1299Gain.X6 => 6,
        Ads1299Gain.X8 => 8,
        Ads1299Gain.X12 => 12,
        Ads1299Gain.X24 => 24,
        _ => throw new ArgumentOutOfRangeException(nameof(gain), gain, "CHnSET.GAIN 0b111 is reserved"),
    };

    public static bool TryParseGain(int multiplier, out Ads1299Gain gain) => TryFind(multiplier, Multiplier, out gain);

    /// <summary>The register setting whose numeric meaning is <paramref name="value"/>.</summary>
    private static bool TryFind<TSetting>(int value, Func<TSetting, int> meaning, out TSetting setting)
        where TSetting : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TSetting>())
        {
            if (meaning(candidate) == value)
            {
                setting = candidate;
                return true;
            }
        }

        setting = default;
        return false;
    }

    public static double Amps(LeadOffCurrent current) => current switch
    {
        LeadOffCurrent.Nanoamps6 => 6e-9,
        LeadOffCurrent.Nanoamps24 => 24e-9,
        LeadOffCurrent.Microamps6 => 6e-6,
        LeadOffCurrent.Microamps24 => 24e-6,
        _ => throw new ArgumentOutOfRangeException(nameof(current)),
    };

    public static double ThresholdFraction(LeadOffThreshold threshold) => threshold switch
    {
        LeadOffThreshold.Percent95 => 0.95,
        LeadOffThreshold.Percent92_5 => 0.925,
        LeadOffThreshold.Percent90 => 0.90,
        LeadOffThreshold.Percent87_5 => 0.875,
        LeadOffThreshold.Percent85 => 0.85,
        LeadOffThreshold.Percent80 => 0.80,
        LeadOffThreshold.Percent75 => 0.75,
        LeadOffThreshold.Percent70 => 0.70,
        _ => throw new ArgumentOutOfRangeException(nameof(threshold)),
    };

    /// <summary>Peak amplitude of the internal test square wave in volts: 1 or 2 × VREF / 2400.</summary>
    public static double TestSignalAmplitudeVolts(bool doubleAmplitude) => (doubleAmplitude ? 2 : 1) * ReferenceVolts / 2400.0;

    public static double TestSignalFrequencyHz(Ads1299TestSignalFrequency frequency) => frequency switch
    {
        Ads1299TestSignalFrequency.Slow => MasterClockHz / (1 << 21),
        Ads1299TestSignalFrequency.Fast => MasterClockHz / (1 << 20),
        Ads1299TestSignalFrequency.Dc => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(frequency)),
    };
}
