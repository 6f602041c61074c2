namespace EdgeBci.Control.Actuators.Pca9685;

/// <summary>PCA9685 register addresses (NXP datasheet, table 3). LEDn registers are 4 apart: ON_L, ON_H, OFF_L, OFF_H.</summary>
public enum Pca9685Register : byte
{
    MODE1 = 0x00,
    MODE2 = 0x01,
    SUBADR1 = 0x02,
    SUBADR2 = 0x03,
    SUBADR3 = 0x04,
    ALLCALLADR = 0x05,
    LED0_ON_L = 0x06,
    LED0_ON_H = 0x07,
    LED0_OFF_L = 0x08,
    LED0_OFF_H = 0x09,
    ALL_LED_ON_L = 0xFA,
    ALL_LED_ON_H = 0xFB,
    ALL_LED_OFF_L = 0xFC,
    ALL_LED_OFF_H = 0xFD,

    /// <summary>Prescaler; writes are blocked unless MODE1.SLEEP is set.</summary>
    PRE_SCALE = 0xFE,
    TestMode = 0xFF,
}

/// <summary>MODE1 bits.</summary>
[Flags]
public enum Pca9685Mode1 : byte
{
    None = 0,
    ALLCALL = 0x01,
    SUB3 = 0x02,
    SUB2 = 0x04,
    SUB1 = 0x08,

    /// <summary>Oscillator off (low-power mode); PRE_SCALE is writable only in this state.</summary>
    SLEEP = 0x10,

    /// <summary>Register auto-increment.</summary>
    AI = 0x20,
    EXTCLK = 0x40,
    RESTART = 0x80,
}

/// <summary>MODE2 bits.</summary>
[Flags]
public enum Pca9685Mode2 : byte
{
    None = 0,
    OUTNE0 = 0x01,
    OUTNE1 = 0x02,

    /// <summary>Totem-pole outputs (servo signal lines), rather than open-drain.</summary>
    OUTDRV = 0x04,
    OCH = 0x08,
    INVRT = 0x10,
}

/// <summary>Register facts shared by the driver and the test fake.</summary>
public static class Pca9685Registers
{
    public const double OscillatorHz = 25_000_000;
    public const int Steps = 4096;
    public const int Channels = 16;

    /// <summary>Bit 4 of LEDn_ON_H (full on) and of LEDn_OFF_H (full off; wins over full on).</summary>
    public const byte FullBit = 0x10;

    public const byte PowerOnMode1 = (byte)(Pca9685Mode1.SLEEP | Pca9685Mode1.ALLCALL);

    /// <summary>The oscillator needs 500 µs after SLEEP is cleared.</summary>
    public static readonly TimeSpan OscillatorStartup = TimeSpan.FromMicroseconds(500);

    public static Pca9685Register LedOnLow(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Channels);
        return (Pca9685Register)((int)Pca9685Register.LED0_ON_L + (4 * channel));
    }

    /// <summary>prescale = round(25 MHz / (4096 × f)) − 1 (datasheet equation 1); 121 at 50 Hz.</summary>
    public static byte Prescale(double frequencyHz)
    {
        var value = Math.Round(OscillatorHz / (Steps * frequencyHz), MidpointRounding.AwayFromZero) - 1;
        if (!(value is >= 3 and <= 255))
        {
            throw new ArgumentOutOfRangeException(nameof(frequencyHz), frequencyHz, "The PCA9685 runs at 24..1526 Hz (prescale 3..255).");
        }

        return (byte)value;
    }

    /// <summary>The frequency a prescale actually gives: 25 MHz / (4096 × (prescale + 1)).</summary>
    public static double Frequency(byte prescale) => OscillatorHz / (Steps * (prescale + 1.0));

    /// <summary>Counts of a pulse of <paramref name="microseconds"/> at <paramref name="prescale"/>: µs × 25 / (prescale + 1).</summary>
    public static int Counts(double microseconds, byte prescale)
    {
        var counts = Math.Round(microseconds * (OscillatorHz / 1e6) / (prescale + 1.0), MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(counts, 0, Steps - 1);
    }
}
