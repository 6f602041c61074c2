using System.Device.Gpio;
using System.Device.Spi;
using System.Globalization;
using EdgeBci.Control.Actuators.Mcp4922;

namespace EdgeBci.Control.Actuators.Emulation;

/// <summary>
/// An MCP4922 on the emulated SPI bus: each chip-select window must be one 16-bit word (MSB first); bit 15 picks DACB,
/// bit 13 is GA (1 = 1x, 0 = 2x), bit 12 SHDN (0 = that output high impedance), bits 11-0 the code. A word loads the
/// channel's input register; the outputs take the input registers while LDAC is low (tied low: at the end of each word;
/// wired: on its falling edge and while it stays low). Output voltage = VREF × code / 4096 × gain (DS21897). Write-only,
/// as the part: reads are refused. Thread-safe (the driver's heartbeat watchdog writes from its timer thread).
/// </summary>
public sealed class EmulatedMcp4922 : SpiDevice
{
    private readonly Lock _gate = new();
    private readonly Register[] _input = new Register[2];
    private readonly Register[] _output = new Register[2];
    private bool _ldacLow;
    private bool _disposed;

    /// <param name="settings">The connection the driver asked for (mode and clock are checked by the driver).</param>
    /// <param name="referenceVolts">VREFA = VREFB on the board.</param>
    /// <param name="ldacWired">False when LDAC is tied low.</param>
    public EmulatedMcp4922(SpiConnectionSettings settings, double referenceVolts, bool ldacWired)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(referenceVolts, 0);
        ConnectionSettings = settings;
        ReferenceVolts = referenceVolts;
        _ldacLow = !ldacWired;
    }

    public override SpiConnectionSettings ConnectionSettings { get; }

    public double ReferenceVolts { get; }

    /// <summary>Words received.</summary>
    public long Words { get; private set; }

    /// <summary>An output's voltage, or null while it is shut down (high impedance) or was never written.</summary>
    public double? OutputVolts(Mcp4922Channel channel)
    {
        lock (_gate)
        {
            var register = _output[(int)channel];
            return register.Written && register.Active ? ReferenceVolts * register.Code / Mcp4922Device.Resolution * (register.Gain1x ? 1 : 2) : null;
        }
    }

    /// <summary>The level the board drives on LDAC (wired LDAC only; tied low otherwise).</summary>
    public void SetLdac(PinValue level)
    {
        lock (_gate)
        {
            _ldacLow = level == PinValue.Low;
            if (_ldacLow)
            {
                _output[0] = _input[0];
                _output[1] = _input[1];
            }
        }
    }

    /// <summary>Both outputs, e.g. "A 3.000 V, B 2.500 V".</summary>
    public string Describe() => $"A {Volts(Mcp4922Channel.A)}, B {Volts(Mcp4922Channel.B)}";

    public override byte ReadByte() => throw new NotSupportedException("The MCP4922 is write-only: it has no SDO.");

    public override void Read(Span<byte> buffer) => throw new NotSupportedException("The MCP4922 is write-only: it has no SDO.");

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length != 2)
        {
            throw new IOException($"Emulated MCP4922: a chip-select window of {buffer.Length} bytes; every command is one 16-bit word.");
        }

        var word = (ushort)((buffer[0] << 8) | buffer[1]);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var channel = (word & (ushort)Mcp4922Command.ChannelB) != 0 ? 1 : 0;
            _input[channel] = new Register(word & Mcp4922Device.MaxCode, (word & (ushort)Mcp4922Command.Gain1x) != 0, (word & (ushort)Mcp4922Command.Active) != 0, true);
            if (_ldacLow)
            {
                _output[channel] = _input[channel];
            }

            Words++;
        }
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        readBuffer.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _disposed = true;
        }

        base.Dispose(disposing);
    }

    private string Volts(Mcp4922Channel channel) =>
        OutputVolts(channel) is { } volts ? volts.ToString("0.000 V", CultureInfo.InvariantCulture) : "off";

    private readonly record struct Register(int Code, bool Gain1x, bool Active, bool Written);
}
