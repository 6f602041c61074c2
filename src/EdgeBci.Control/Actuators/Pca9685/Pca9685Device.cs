using System.Device.I2c;

namespace EdgeBci.Control.Actuators.Pca9685;

/// <summary>The chip did not answer as a PCA9685 should (a register that did not take its value).</summary>
public sealed class Pca9685Exception : Exception
{
    public Pca9685Exception(string message)
        : base(message)
    {
    }

    public Pca9685Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Pca9685Exception()
    {
    }
}

/// <summary>
/// NXP PCA9685 16-channel 12-bit PWM controller on <see cref="I2cDevice"/>. Every write is one I2C transaction: the
/// register address, then the data (auto-increment on, so a channel's four registers go in one write). The output
/// frequency is set while the oscillator sleeps, since PRE_SCALE ignores writes otherwise; every channel is full off
/// before the oscillator runs.
/// </summary>
public sealed class Pca9685Device : IDisposable
{
    private readonly I2cDevice _device;
    private readonly bool _shouldDispose;
    private readonly byte[] _channelWrite = new byte[5];
    private readonly byte[] _readAddress = new byte[1];
    private bool _disposed;

    public Pca9685Device(I2cDevice device, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _shouldDispose = shouldDispose;
    }

    public byte Prescale { get; private set; }

    /// <summary>The output frequency the prescale gives (50.03 Hz for 50 Hz asked).</summary>
    public double Frequency => Prescale == 0 ? 0 : Pca9685Registers.Frequency(Prescale);

    public bool IsInitialized => Prescale != 0;

    /// <summary>
    /// MODE1 = SLEEP | AI (oscillator off), every channel full off, PRE_SCALE, MODE2 = OUTDRV (totem pole), then MODE1 =
    /// AI to wake and 500 µs for the oscillator. RESTART is not used: it would bring back PWM values from before,
    /// and every channel here is written before it runs. MODE1 and PRE_SCALE are read back.
    /// </summary>
    public void Initialize(double frequencyHz)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var prescale = Pca9685Registers.Prescale(frequencyHz);
        WriteRegister(Pca9685Register.MODE1, (byte)(Pca9685Mode1.SLEEP | Pca9685Mode1.AI));
        SetAllFullOff();
        WriteRegister(Pca9685Register.PRE_SCALE, prescale);
        WriteRegister(Pca9685Register.MODE2, (byte)Pca9685Mode2.OUTDRV);
        WriteRegister(Pca9685Register.MODE1, (byte)Pca9685Mode1.AI);
        Thread.Sleep(1); // ≥ 500 µs for the oscillator

        var readPrescale = ReadRegister(Pca9685Register.PRE_SCALE);
        if (readPrescale != prescale)
        {
            throw new Pca9685Exception($"PCA9685 PRE_SCALE did not take its value: wrote {prescale}, read back {readPrescale}.");
        }

        var mode1 = ReadRegister(Pca9685Register.MODE1);
        if ((mode1 & (byte)(Pca9685Mode1.SLEEP | Pca9685Mode1.AI)) != (byte)Pca9685Mode1.AI)
        {
            throw new Pca9685Exception($"PCA9685 MODE1 reads 0x{mode1:X2}: the oscillator is not running with auto-increment.");
        }

        Prescale = prescale;
    }

    public void WriteRegister(Pca9685Register register, byte value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _device.Write([(byte)register, value]);
    }

    public byte ReadRegister(Pca9685Register register)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> value = stackalloc byte[1];
        _device.WriteRead([(byte)register], value);
        return value[0];
    }

    /// <summary>
    /// Reads the LEDn registers of <paramref name="firstChannel"/> onward in one auto-increment transaction: four bytes
    /// per channel (ON_L, ON_H, OFF_L, OFF_H), as many channels as <paramref name="destination"/> holds.
    /// </summary>
    public void ReadChannels(int firstChannel, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length % 4 != 0 || firstChannel + (destination.Length / 4) > Pca9685Registers.Channels)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), destination.Length, $"Four bytes per channel, channels {firstChannel}..15.");
        }

        _readAddress[0] = (byte)Pca9685Registers.LedOnLow(firstChannel);
        _device.WriteRead(_readAddress, destination);
    }

    /// <summary>Output high from count <paramref name="on"/> to count <paramref name="off"/> of each 4096-count period.</summary>
    public void SetCounts(int channel, int on, int off)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(on);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(on, Pca9685Registers.Steps);
        ArgumentOutOfRangeException.ThrowIfNegative(off);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(off, Pca9685Registers.Steps);
        WriteChannel(channel, (byte)on, (byte)(on >> 8), (byte)off, (byte)(off >> 8));
    }

    /// <summary>A servo pulse of <paramref name="microseconds"/> from the start of the period.</summary>
    public void SetPulseWidth(int channel, double microseconds)
    {
        EnsureInitialized();
        SetCounts(channel, 0, Pca9685Registers.Counts(microseconds, Prescale));
    }

    /// <summary>The channel's full-off bit: no pulse at all (a servo without pulses stops driving).</summary>
    public void SetFullOff(int channel) => WriteChannel(channel, 0, 0, 0, Pca9685Registers.FullBit);

    /// <summary>Every channel full off in one write (ALL_LED registers).</summary>
    public void SetAllFullOff()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _device.Write([(byte)Pca9685Register.ALL_LED_ON_L, 0, 0, 0, Pca9685Registers.FullBit]);
    }

    /// <summary>Every output off, then the oscillator to sleep.</summary>
    public void Sleep()
    {
        SetAllFullOff();
        WriteRegister(Pca9685Register.MODE1, (byte)(Pca9685Mode1.SLEEP | Pca9685Mode1.AI));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_shouldDispose)
        {
            _device.Dispose();
        }
    }

    private void WriteChannel(int channel, byte onLow, byte onHigh, byte offLow, byte offHigh)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _channelWrite[0] = (byte)Pca9685Registers.LedOnLow(channel);
        _channelWrite[1] = onLow;
        _channelWrite[2] = onHigh;
        _channelWrite[3] = offLow;
        _channelWrite[4] = offHigh;
        _device.Write(_channelWrite);
    }

    private void EnsureInitialized()
    {
        if (!IsInitialized)
        {
            throw new InvalidOperationException("Initialize the PCA9685 (frequency) before writing pulse widths.");
        }
    }
}
