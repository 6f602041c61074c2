using System.Device.I2c;
using EdgeBci.Control.Actuators.Pca9685;

namespace EdgeBci.Control.Tests.Fakes;

/// <summary>
/// A PCA9685 as seen on the bus: a register file with auto-increment (when MODE1.AI is set), PRE_SCALE refusing writes
/// while the oscillator runs (SLEEP clear) as the datasheet says, power-on values (MODE1 = SLEEP|ALLCALL, every
/// channel full off, PRE_SCALE 30 for 200 Hz). Records every transaction's bytes. Faults on demand: failed writes,
/// failed reads, and registers that do not take what is written to them.
/// </summary>
public sealed class FakeI2cDevice : I2cDevice
{
    private readonly byte[] _registers = new byte[256];
    private byte _pointer;

    public FakeI2cDevice(int bus = 1, int address = 0x40)
    {
        ConnectionSettings = new I2cConnectionSettings(bus, address);
        _registers[(int)Pca9685Register.MODE1] = Pca9685Registers.PowerOnMode1;
        _registers[(int)Pca9685Register.MODE2] = (byte)Pca9685Mode2.OUTDRV;
        _registers[(int)Pca9685Register.PRE_SCALE] = 0x1E;
        for (var channel = 0; channel < Pca9685Registers.Channels; channel++)
        {
            _registers[(int)Pca9685Registers.LedOnLow(channel) + 3] = Pca9685Registers.FullBit;
        }
    }

    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>Every write transaction (register address first).</summary>
    public List<byte[]> Writes { get; } = [];

    /// <summary>PRE_SCALE writes the chip ignored because SLEEP was clear.</summary>
    public int BlockedPrescaleWrites { get; private set; }

    public int FailNextWrites { get; set; }

    /// <summary>Reads (and write-reads) that fail with an I/O error, as a NACK on the read would.</summary>
    public int FailNextReads { get; set; }

    /// <summary>Registers that keep their value whatever is written to them (a bit error on the bus, a damaged chip).</summary>
    public HashSet<byte> DeafRegisters { get; } = [];

    public bool Disposed { get; private set; }

    public byte Register(Pca9685Register register) => _registers[(int)register];

    public bool Sleeping => (Register(Pca9685Register.MODE1) & (byte)Pca9685Mode1.SLEEP) != 0;

    /// <summary>OFF count of a channel, or null when it is full off (no pulse).</summary>
    public int? OffCounts(int channel)
    {
        var baseAddress = (int)Pca9685Registers.LedOnLow(channel);
        if ((_registers[baseAddress + 3] & Pca9685Registers.FullBit) != 0)
        {
            return null;
        }

        return _registers[baseAddress + 2] | ((_registers[baseAddress + 3] & 0x0F) << 8);
    }

    /// <summary>ON count of a channel.</summary>
    public int OnCounts(int channel)
    {
        var baseAddress = (int)Pca9685Registers.LedOnLow(channel);
        return _registers[baseAddress] | ((_registers[baseAddress + 1] & 0x0F) << 8);
    }

    public override byte ReadByte() => _registers[_pointer];

    public override void Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (FailNextReads > 0)
        {
            FailNextReads--;
            throw new IOException("simulated I2C NACK on read");
        }

        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = _registers[_pointer];
            Advance();
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (FailNextWrites > 0)
        {
            FailNextWrites--;
            throw new IOException("simulated I2C NACK");
        }

        Writes.Add(buffer.ToArray());
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

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (FailNextReads > 0)
        {
            FailNextReads--;
            throw new IOException("simulated I2C NACK on read");
        }

        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }

    private void Store(byte address, byte value)
    {
        if (address == (byte)Pca9685Register.PRE_SCALE && !Sleeping)
        {
            BlockedPrescaleWrites++;
            return;
        }

        if (DeafRegisters.Contains(address))
        {
            return;
        }

        _registers[address] = value;
        if (address is >= (byte)Pca9685Register.ALL_LED_ON_L and <= (byte)Pca9685Register.ALL_LED_OFF_H)
        {
            // The ALL_LED registers load the same byte of every channel.
            var offset = address - (byte)Pca9685Register.ALL_LED_ON_L;
            for (var channel = 0; channel < Pca9685Registers.Channels; channel++)
            {
                var target = (byte)((int)Pca9685Registers.LedOnLow(channel) + offset);
                if (!DeafRegisters.Contains(target))
                {
                    _registers[target] = value;
                }
            }
        }
    }

    private void Advance()
    {
        if ((Register(Pca9685Register.MODE1) & (byte)Pca9685Mode1.AI) == 0)
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
