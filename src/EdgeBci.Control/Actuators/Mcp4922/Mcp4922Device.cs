using System.Device.Gpio;
using System.Device.Spi;

namespace EdgeBci.Control.Actuators.Mcp4922;

/// <summary>The MCP4922's two outputs (bit 15 of the write command).</summary>
public enum Mcp4922Channel
{
    A = 0,
    B = 1,
}

/// <summary>The four configuration bits of the MCP4922's 16-bit write command (datasheet DS21897, register 5-1).</summary>
[Flags]
public enum Mcp4922Command : ushort
{
    None = 0,

    /// <summary>Bit 12, SHDN: 1 = output active, 0 = output shut down (high impedance, 500 kΩ to ground).</summary>
    Active = 0x1000,

    /// <summary>Bit 13, GA: 1 = gain 1x (VOUT = VREF · D/4096), 0 = gain 2x.</summary>
    Gain1x = 0x2000,

    /// <summary>Bit 14, BUF: 1 = VREF input buffered, 0 = unbuffered.</summary>
    Buffered = 0x4000,

    /// <summary>Bit 15, A/B: 1 = write DACB, 0 = write DACA.</summary>
    ChannelB = 0x8000,
}

/// <summary>
/// Microchip MCP4922 dual 12-bit DAC on <see cref="SpiDevice"/>: every write is one 16-bit word, MSB first, in SPI
/// mode 0 or 3, clocked in on the rising SCK edge and latched into the channel's input register when CS rises. The
/// outputs take the input registers when LDAC is low: with LDAC wired, <see cref="WriteBoth"/> loads both registers and
/// then pulses LDAC so the two outputs change together; with LDAC tied low each output changes as its word ends.
/// The part is write-only: there is nothing to read back.
/// </summary>
public sealed class Mcp4922Device : IDisposable
{
    public const int Resolution = 4096;
    public const int MaxCode = Resolution - 1;
    public const int MaximumClockHz = 20_000_000;

    private readonly SpiDevice _spi;
    private readonly GpioController? _gpio;
    private readonly int _ldacPin;
    private readonly bool _shouldDispose;
    private readonly byte[] _word = new byte[2];
    private bool _disposed;

    /// <param name="spiDevice">The DAC's handle: mode 0 or 3, at most 20 MHz, MSB first.</param>
    /// <param name="gpioController">Controller owning LDAC, when wired.</param>
    /// <param name="ldacPin">LDAC line, or -1 when LDAC is tied low.</param>
    /// <param name="bufferedReference">Set BUF (the reference input buffered).</param>
    /// <param name="shouldDispose">Dispose the SPI handle and the controller with the driver.</param>
    public Mcp4922Device(SpiDevice spiDevice, GpioController? gpioController = null, int ldacPin = -1, bool bufferedReference = false, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(spiDevice);
        var settings = spiDevice.ConnectionSettings;
        if (settings.Mode is not (SpiMode.Mode0 or SpiMode.Mode3))
        {
            throw new ArgumentException($"The MCP4922 clocks SDI in on the rising SCK edge: SPI mode 0 or 3 is required, got {settings.Mode}.", nameof(spiDevice));
        }

        if (settings.ClockFrequency > MaximumClockHz)
        {
            throw new ArgumentException($"SPI clock {settings.ClockFrequency} Hz is above the MCP4922's {MaximumClockHz} Hz.", nameof(spiDevice));
        }

        if (settings.DataFlow != DataFlow.MsbFirst)
        {
            throw new ArgumentException("The MCP4922 takes its words MSB first.", nameof(spiDevice));
        }

        if (ldacPin >= 0 && gpioController is null)
        {
            throw new ArgumentException("LDAC is wired but no GPIO controller was given.", nameof(gpioController));
        }

        _spi = spiDevice;
        _gpio = ldacPin >= 0 ? gpioController : null;
        _ldacPin = ldacPin;
        BufferedReference = bufferedReference;
        _shouldDispose = shouldDispose;
        if (_gpio is not null)
        {
            // LDAC high holds the outputs while the input registers load.
            _gpio.OpenPin(_ldacPin, PinMode.Output, PinValue.High);
        }
    }

    public bool BufferedReference { get; }

    public bool HasLdac => _gpio is not null;

    /// <summary>The 16-bit write command for <paramref name="code"/> on <paramref name="channel"/>, gain 1x, active.</summary>
    public static ushort Word(Mcp4922Channel channel, int code, bool bufferedReference = false, bool active = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(code);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, MaxCode);
        var command = Mcp4922Command.Gain1x;
        command |= channel == Mcp4922Channel.B ? Mcp4922Command.ChannelB : Mcp4922Command.None;
        command |= bufferedReference ? Mcp4922Command.Buffered : Mcp4922Command.None;
        command |= active ? Mcp4922Command.Active : Mcp4922Command.None;
        return (ushort)((ushort)command | code);
    }

    /// <summary>The code whose output is nearest <paramref name="volts"/> at gain 1x, clamped to 0..4095.</summary>
    public static int CodeFor(double volts, double referenceVolts)
    {
        if (!double.IsFinite(volts) || !(referenceVolts > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(volts), volts, "Not a voltage the DAC can produce.");
        }

        return (int)Math.Clamp(Math.Round(volts / referenceVolts * Resolution, MidpointRounding.AwayFromZero), 0, MaxCode);
    }

    /// <summary>Loads one channel's input register (and its output, when LDAC is tied low).</summary>
    public void Write(Mcp4922Channel channel, int code)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Send(Word(channel, code, BufferedReference));
    }

    /// <summary>Loads both channels, then pulses LDAC (when wired) so both outputs change at the same instant.</summary>
    public void WriteBoth(int codeA, int codeB)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Send(Word(Mcp4922Channel.A, codeA, BufferedReference));
        Send(Word(Mcp4922Channel.B, codeB, BufferedReference));
        if (_gpio is not null)
        {
            // tLS (LDAC low) is 100 ns at minimum; two GPIO writes take far longer.
            _gpio.Write(_ldacPin, PinValue.Low);
            _gpio.Write(_ldacPin, PinValue.High);
        }
    }

    /// <summary>SHDN = 0 on a channel: its output goes high impedance (500 kΩ to ground).</summary>
    public void Shutdown(Mcp4922Channel channel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Send(Word(channel, 0, BufferedReference, active: false));
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
            _spi.Dispose();
            _gpio?.Dispose();
        }
        else if (_gpio is not null && _gpio.IsPinOpen(_ldacPin))
        {
            _gpio.ClosePin(_ldacPin);
        }
    }

    private void Send(ushort word)
    {
        _word[0] = (byte)(word >> 8);
        _word[1] = (byte)word;
        _spi.Write(_word);
    }
}
