using System.Device.Spi;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// The emulated chip as the driver sees it: a <see cref="SpiDevice"/>. Every call is one chip-select window, as
/// with Linux spidev. Two handles may share one emulator with different clocks (data vs. commands).
/// </summary>
public sealed class Ads1299EmulatorSpiDevice : SpiDevice
{
    private readonly Ads1299Emulator _emulator;
    private byte[] _scratch = new byte[64];

    public Ads1299EmulatorSpiDevice(Ads1299Emulator emulator, SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentNullException.ThrowIfNull(settings);
        _emulator = emulator;
        ConnectionSettings = settings;
    }

    public override SpiConnectionSettings ConnectionSettings { get; }

    public override byte ReadByte()
    {
        Span<byte> rx = stackalloc byte[1];
        Read(rx);
        return rx[0];
    }

    public override void Read(Span<byte> buffer)
    {
        var zeros = Scratch(buffer.Length);
        zeros.Clear();
        _emulator.Transfer(zeros, buffer, ConnectionSettings.ClockFrequency);
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer) => _emulator.Transfer(buffer, [], ConnectionSettings.ClockFrequency);

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (writeBuffer.Length != readBuffer.Length)
        {
            throw new ArgumentException($"Full-duplex buffers must be the same length ({writeBuffer.Length} written, {readBuffer.Length} to read).", nameof(readBuffer));
        }

        _emulator.Transfer(writeBuffer, readBuffer, ConnectionSettings.ClockFrequency);
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[length];
        }

        return _scratch.AsSpan(0, length);
    }
}
