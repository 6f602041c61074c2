using System.Device.I2c;
using EdgeBci.Control.Actuators.Emulation;

namespace EdgeBci.Control.Tests.Fakes;

/// <summary>
/// The emulated PCA9685 register file (<see cref="EmulatedPca9685"/>: auto-increment, PRE_SCALE refusing writes while the
/// oscillator runs, power-on values), recording every transaction's bytes and able to fail writes as a NACK would.
/// </summary>
public sealed class FakeI2cDevice(int bus = 1, int address = 0x40) : EmulatedPca9685(new I2cConnectionSettings(bus, address))
{
    /// <summary>Every write transaction (register address first).</summary>
    public List<byte[]> Writes { get; } = [];

    public int FailNextWrites { get; set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (FailNextWrites > 0)
        {
            FailNextWrites--;
            throw new IOException("simulated I2C NACK");
        }

        Writes.Add(buffer.ToArray());
        base.Write(buffer);
    }
}
