using System.Device.Spi;

namespace EdgeBci.Control.Tests.Fakes;

/// <summary>An SPI handle that records every chip-select window's bytes, and can be told to fail.</summary>
public sealed class FakeSpiDevice : SpiDevice
{
    public FakeSpiDevice(SpiConnectionSettings? settings = null)
    {
        ConnectionSettings = settings ?? new SpiConnectionSettings(0, 0) { Mode = SpiMode.Mode0, ClockFrequency = 1_000_000 };
    }

    public override SpiConnectionSettings ConnectionSettings { get; }

    private readonly List<byte[]> _writes = [];

    /// <summary>Every write so far, one entry per chip-select window (a copy: the watchdog writes from its timer thread).</summary>
    public IReadOnlyList<byte[]> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>Throw an IOException (as spidev does on a bus error) for the next N writes.</summary>
    public int FailNextWrites { get; set; }

    public bool Disposed { get; private set; }

    /// <summary>The 16-bit words written (MCP4922: one word per window).</summary>
    public IEnumerable<ushort> Words => Writes.Select(bytes => (ushort)((bytes[0] << 8) | bytes[1]));

    public override byte ReadByte() => throw new NotSupportedException("The MCP4922 is write-only.");

    public override void Read(Span<byte> buffer) => throw new NotSupportedException("The MCP4922 is write-only.");

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (FailNextWrites > 0)
        {
            FailNextWrites--;
            throw new IOException("simulated SPI bus error");
        }

        lock (_writes)
        {
            _writes.Add(buffer.ToArray());
        }
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        readBuffer.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
