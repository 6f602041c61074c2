using System.Device.I2c;
using System.Globalization;
using System.Text;
using EdgeBci.Control.Actuators.Pca9685;

namespace EdgeBci.Control.Actuators.Emulation;

/// <summary>
/// A PCA9685 as seen on the I2C bus: its register file with the power-on values (MODE1 = SLEEP | ALLCALL, every channel
/// full off, PRE_SCALE 30 for 200 Hz), register auto-increment while MODE1.AI is set (rolling over after LED15_OFF_H and
/// after PRE_SCALE), PRE_SCALE ignoring writes while the oscillator runs (SLEEP clear), the ALL_LED registers loading
/// every channel, and reads from the register pointer, so the driver's read-back works. Thread-safe.
/// </summary>
public class EmulatedPca9685 : I2cDevice
{
    private readonly Lock _gate = new();
    private readonly byte[] _registers = new byte[256];
    private byte _pointer;

    public EmulatedPca9685(I2cConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ConnectionSettings = settings;
        _registers[(int)Pca9685Register.MODE1] = Pca9685Registers.PowerOnMode1;
        _registers[(int)Pca9685Register.MODE2] = (byte)Pca9685Mode2.OUTDRV;
        _registers[(int)Pca9685Register.PRE_SCALE] = 0x1E;
        for (var channel = 0; channel < Pca9685Registers.Channels; channel++)
        {
            _registers[(int)Pca9685Registers.LedOnLow(channel) + 3] = Pca9685Registers.FullBit;
        }
    }

    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>PRE_SCALE writes the chip ignored because SLEEP was clear.</summary>
    public int BlockedPrescaleWrites { get; private set; }

    public bool Disposed { get; private set; }

    public byte Register(Pca9685Register register)
    {
        lock (_gate)
        {
            return _registers[(int)register];
        }
    }

    public bool Sleeping => (Register(Pca9685Register.MODE1) & (byte)Pca9685Mode1.SLEEP) != 0;

    /// <summary>OFF count of a channel, or null when it is full off (no pulse).</summary>
    public int? OffCounts(int channel)
    {
        var baseAddress = (int)Pca9685Registers.LedOnLow(channel);
        lock (_gate)
        {
            return (_registers[baseAddress + 3] & Pca9685Registers.FullBit) != 0 ? null : _registers[baseAddress + 2] | ((_registers[baseAddress + 3] & 0x0F) << 8);
        }
    }

    /// <summary>ON count of a channel.</summary>
    public int OnCounts(int channel)
    {
        var baseAddress = (int)Pca9685Registers.LedOnLow(channel);
        lock (_gate)
        {
            return _registers[baseAddress] | ((_registers[baseAddress + 1] & 0x0F) << 8);
        }
    }

    /// <summary>A channel's pulse in µs at the running prescale, or null when it sends none (full off, or asleep).</summary>
    public double? PulseMicroseconds(int channel)
    {
        if (Sleeping || OffCounts(channel) is not { } off)
        {
            return null;
        }

        var prescale = Register(Pca9685Register.PRE_SCALE);
        return (off - OnCounts(channel)) * (prescale + 1.0) / (Pca9685Registers.OscillatorHz / 1e6);
    }

    /// <summary>The channels sending pulses, e.g. "ch0 1500 µs, ch3 1200 µs", "all off" or "asleep".</summary>
    public string Describe()
    {
        if (Sleeping)
        {
            return "asleep";
        }

        var text = new StringBuilder();
        for (var channel = 0; channel < Pca9685Registers.Channels; channel++)
        {
            if (PulseMicroseconds(channel) is { } pulse)
            {
                text.Append(text.Length == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"ch{channel} {pulse:0} µs");
            }
        }

        return text.Length == 0 ? "all off" : text.ToString();
    }

    public override byte ReadByte()
    {
        Span<byte> value = stackalloc byte[1];
        Read(value);
        return value[0];
    }

    public override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            for (var i = 0; i < buffer.Length; i++)
            {
                buffer[i] = _registers[_pointer];
                Advance();
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>One transaction: the register address, then data bytes stored from it on.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            if (buffer.Length == 0)
            {
                return;
            }

            _pointer = buffer[0];
            foreach (var value in buffer[1..])
            {
                Store(_pointer, value);
                Advance();
            }
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            Disposed = true;
        }

        base.Dispose(disposing);
    }

    private void Store(byte address, byte value)
    {
        if (address == (byte)Pca9685Register.PRE_SCALE && (_registers[(int)Pca9685Register.MODE1] & (byte)Pca9685Mode1.SLEEP) == 0)
        {
            BlockedPrescaleWrites++;
            return;
        }

        _registers[address] = value;
        if (address is >= (byte)Pca9685Register.ALL_LED_ON_L and <= (byte)Pca9685Register.ALL_LED_OFF_H)
        {
            // The ALL_LED registers load the same byte of every channel.
            var offset = address - (byte)Pca9685Register.ALL_LED_ON_L;
            for (var channel = 0; channel < Pca9685Registers.Channels; channel++)
            {
                _registers[(int)Pca9685Registers.LedOnLow(channel) + offset] = value;
            }
        }
    }

    private void Advance()
    {
        if ((_registers[(int)Pca9685Register.MODE1] & (byte)Pca9685Mode1.AI) == 0)
        {
            return;
        }

        // Auto-increment runs through the channel registers and rolls over to MODE1 after LED15_OFF_H (0x45), and
        // from 0xFA..0xFE back to 0.
        _pointer = _pointer switch
        {
            0x45 => 0,
            0xFE => 0,
            _ => (byte)(_pointer + 1),
        };
    }
}
