using System.Device.Gpio;
using System.Device.Spi;
using System.Diagnostics;

namespace EdgeBci.Acquisition.Ads1299;

/// <summary>
/// TI ADS1299 driver on <see cref="SpiDevice"/> and <see cref="GpioController"/>: the same code talks to the chip on
/// a Raspberry Pi or Jetson and to the register-level emulator. SPI mode 1. Commands that span several bytes go
/// through a handle clocked slowly enough to meet tSDECODE; frame reads use the (possibly faster) data handle.
/// </summary>
public sealed class Ads1299Device : IDisposable
{
    private readonly SpiDevice _dataSpi;
    private readonly SpiDevice _commandSpi;
    private readonly GpioController _gpio;
    private readonly Ads1299Pins _pins;
    private readonly bool _shouldDispose;
    private readonly byte[] _commandTx = new byte[2 + Ads1299RegisterMap.RegisterCount];
    private readonly byte[] _commandRx = new byte[2 + Ads1299RegisterMap.RegisterCount];
    private byte[] _frameTx;
    private readonly ManualResetEventSlim _dataReadyFell = new(false);
    private readonly PinChangeEventHandler _onDataReadyFalling;
    private bool _continuous;
    private bool _disposed;

    /// <param name="spiDevice">The chip's SPI handle, mode 1.</param>
    /// <param name="gpioController">Controller owning the DRDY, START, RESET and PWDN lines.</param>
    /// <param name="pins">Which lines are wired.</param>
    /// <param name="chips">1, or 2 for a daisy chain sharing chip select (16 channels).</param>
    /// <param name="commandSpiDevice">
    /// A second handle on the same bus and chip select at ≤ 4.096 MHz for multi-byte commands; required when
    /// <paramref name="spiDevice"/> is clocked faster.
    /// </param>
    /// <param name="shouldDispose">Dispose the SPI handles and the controller with the driver.</param>
    public Ads1299Device(SpiDevice spiDevice, GpioController gpioController, Ads1299Pins pins, int chips = 1,
        SpiDevice? commandSpiDevice = null, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(spiDevice);
        ArgumentNullException.ThrowIfNull(gpioController);
        ArgumentNullException.ThrowIfNull(pins);
        if (chips is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(chips), chips, "An ADS1299 chain here is 1 or 2 chips.");
        }

        if (spiDevice.ConnectionSettings.Mode != SpiMode.Mode1)
        {
            throw new ArgumentException($"The ADS1299 samples DIN on the falling SCLK edge: SPI mode 1 is required, got {spiDevice.ConnectionSettings.Mode}.", nameof(spiDevice));
        }

        var commandDevice = commandSpiDevice ?? spiDevice;
        if (commandDevice.ConnectionSettings.ClockFrequency > Ads1299Timing.MaximumCommandClockHz)
        {
            throw new ArgumentException(
                $"SPI clock {commandDevice.ConnectionSettings.ClockFrequency} Hz is above {Ads1299Timing.MaximumCommandClockHz} Hz, the fastest at which multi-byte commands meet tSDECODE (4 tCLK between bytes); pass a command SPI handle clocked at or below it.",
                commandSpiDevice is null ? nameof(spiDevice) : nameof(commandSpiDevice));
        }

        _dataSpi = spiDevice;
        _commandSpi = commandDevice;
        _gpio = gpioController;
        _pins = pins;
        ChipCount = chips;
        _shouldDispose = shouldDispose;
        _frameTx = new byte[Ads1299Frame.LengthFor(chips)];

        _gpio.OpenPin(pins.DataReady, PinMode.InputPullUp);
        // DRDY edges arrive through a callback into one reusable event: a GpioController wait with a timeout spends a
        // CancellationTokenSource and its timer on every timeout (and the TimeSpan overload on every call).
        // The event makes its lock object on its first blocking wait: make it here, before any edge can set it, so that
        // it is not the one allocation of the first frame the acquisition thread has to wait for.
        _dataReadyFell.Wait(1);
        _onDataReadyFalling = (_, _) => _dataReadyFell.Set();
        _gpio.RegisterCallbackForPinValueChangedEvent(pins.DataReady, PinEventTypes.Falling, _onDataReadyFalling);
        OpenOutput(pins.Start, PinValue.Low);
        OpenOutput(pins.Reset, PinValue.High);
        OpenOutput(pins.PowerDown, PinValue.High);
    }

    public int ChipCount { get; }

    /// <summary>Known after <see cref="ReadIdentity"/>: 8, 6 or 4.</summary>
    public int ChannelsPerChip { get; private set; } = Ads1299RegisterMap.ChannelsPerChip;

    public int ChannelCount => ChipCount * ChannelsPerChip;

    public int FrameLength => Ads1299Frame.LengthFor(ChipCount, ChannelsPerChip);

    public Ads1299Identity? Identity { get; private set; }

    /// <summary>DRDY edges that never arrived although the pin showed data waiting (lost edge events).</summary>
    public long LostDataReadyEdges { get; private set; }

    public bool IsContinuous => _continuous;

    /// <summary>
    /// The datasheet power-up flow: PWDN and RESET low, then high, wait tPOR, pulse RESET, wait 18 tCLK, and SDATAC
    /// because the chip wakes in RDATAC and ignores register commands there.
    /// </summary>
    public void PowerUp()
    {
        ThrowIfDisposed();
        if (_pins.PowerDown >= 0 || _pins.Reset >= 0)
        {
            WritePin(_pins.Start, PinValue.Low);
            WritePin(_pins.PowerDown, PinValue.Low);
            WritePin(_pins.Reset, PinValue.Low);
            Ads1299Timing.Wait(TimeSpan.FromMilliseconds(1));
            WritePin(_pins.PowerDown, PinValue.High);
            WritePin(_pins.Reset, PinValue.High);
        }

        Ads1299Timing.Wait(Ads1299Timing.PowerOnReset + TimeSpan.FromMilliseconds(2));
        Reset();
    }

    /// <summary>Resets the digital core (RESET pulse, or the RESET opcode if the pin is not wired) and leaves RDATAC.</summary>
    public void Reset()
    {
        ThrowIfDisposed();
        if (_pins.Reset >= 0)
        {
            WritePin(_pins.Reset, PinValue.Low);
            Ads1299Timing.Wait(Ads1299Timing.ResetPulse);
            WritePin(_pins.Reset, PinValue.High);
        }
        else
        {
            SendCommand(Ads1299Command.RESET);
        }

        Ads1299Timing.Wait(Ads1299Timing.AfterReset);
        SendCommand(Ads1299Command.SDATAC);
        _continuous = false;
    }

    public Ads1299Identity ReadIdentity()
    {
        var identity = new Ads1299Identity(ReadRegister(Ads1299Register.ID));
        identity.EnsureAds1299();
        Identity = identity;
        ChannelsPerChip = identity.ChannelCount;
        _frameTx = new byte[FrameLength];
        return identity;
    }

    public void SendCommand(Ads1299Command command)
    {
        ThrowIfDisposed();
        if (command is Ads1299Command.RREG or Ads1299Command.WREG)
        {
            throw new ArgumentException("RREG and WREG take an address and a count: use ReadRegisters / WriteRegisters.", nameof(command));
        }

        _commandSpi.WriteByte((byte)command);
        if (command == Ads1299Command.RDATAC)
        {
            _continuous = true;
        }
        else if (command == Ads1299Command.SDATAC)
        {
            _continuous = false;
        }
    }

    public byte ReadRegister(Ads1299Register register)
    {
        Span<byte> value = stackalloc byte[1];
        ReadRegisters(register, value);
        return value[0];
    }

    /// <summary>RREG: opcode | address, count - 1, then one byte out per register.</summary>
    public void ReadRegisters(Ads1299Register start, Span<byte> destination)
    {
        ThrowIfDisposed();
        EnsureRegisterAccess(start, destination.Length);
        var length = 2 + destination.Length;
        var tx = _commandTx.AsSpan(0, length);
        tx.Clear();
        tx[0] = (byte)((byte)Ads1299Command.RREG | (byte)start);
        tx[1] = (byte)(destination.Length - 1);
        var rx = _commandRx.AsSpan(0, length);
        _commandSpi.TransferFullDuplex(tx, rx);
        rx[2..].CopyTo(destination);
    }

    public void WriteRegister(Ads1299Register register, byte value) => WriteRegisters(register, [value]);

    /// <summary>WREG: opcode | address, count - 1, then the values.</summary>
    public void WriteRegisters(Ads1299Register start, ReadOnlySpan<byte> values)
    {
        ThrowIfDisposed();
        EnsureRegisterAccess(start, values.Length);
        var tx = _commandTx.AsSpan(0, 2 + values.Length);
        tx[0] = (byte)((byte)Ads1299Command.WREG | (byte)start);
        tx[1] = (byte)(values.Length - 1);
        values.CopyTo(tx[2..]);
        _commandSpi.Write(tx);
    }

    /// <summary>
    /// Writes every configured register, then reads the whole map back and compares the bits the chip must keep.
    /// A register that did not take its value is an error naming it, what was written and what came back.
    /// </summary>
    public void Configure(Ads1299Configuration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ThrowIfDisposed();
        if (_continuous)
        {
            throw new InvalidOperationException("Stop continuous reading (SDATAC) before configuring: the chip ignores register commands in RDATAC.");
        }

        if (configuration.ChipCount != ChipCount || configuration.ChannelsPerChip != ChannelsPerChip)
        {
            throw new Ads1299Exception(
                $"Configuration describes {configuration.ChipCount} chip(s) × {configuration.ChannelsPerChip} channels but the chain is {ChipCount} × {ChannelsPerChip} ({Identity?.Model ?? "ID not read yet"}).");
        }

        var image = configuration.Encode();
        var referenceWasOff = (ReadRegister(Ads1299Register.CONFIG3) & (byte)Config3Bits.InternalReferenceEnabled) == 0;
        if (ChipCount > 1)
        {
            // A second chip clocked from the first one's CLK pin sleeps until CLK_EN is set: set it first, so the
            // second chip is awake for every write below, CONFIG1 included.
            WriteRegister(Ads1299Register.CONFIG1, image[(int)Ads1299Register.CONFIG1]);
            Ads1299Timing.Wait(Ads1299Timing.AfterReset);
        }

        foreach (var register in configuration.ConfiguredRegisters())
        {
            WriteRegister(register, image[(int)register]);
            if (register == Ads1299Register.CONFIG3 && referenceWasOff && configuration.InternalReference)
            {
                Ads1299Timing.Wait(Ads1299Timing.ReferenceSettling);
            }
        }

        Span<byte> readBack = stackalloc byte[Ads1299RegisterMap.RegisterCount];
        ReadRegisters(Ads1299Register.ID, readBack);
        foreach (var register in configuration.ConfiguredRegisters())
        {
            var mask = Ads1299RegisterMap.ReadBackMask(register);
            var wrote = image[(int)register];
            var read = readBack[(int)register];
            if ((wrote & mask) != (read & mask))
            {
                throw new Ads1299Exception(
                    $"ADS1299 register {register} (0x{(byte)register:X2}) did not take its value: wrote 0x{wrote:X2}, read back 0x{read:X2} (compared bits 0x{mask:X2}).");
            }
        }

        _frameTx = new byte[FrameLength];
    }

    /// <summary>Starts conversions (START pin if wired, else the opcode) and enters RDATAC.</summary>
    public void StartContinuous()
    {
        ThrowIfDisposed();
        if (_pins.Start >= 0)
        {
            WritePin(_pins.Start, PinValue.High);
        }
        else
        {
            SendCommand(Ads1299Command.START);
        }

        SendCommand(Ads1299Command.RDATAC);
    }

    public void StopContinuous()
    {
        ThrowIfDisposed();
        SendCommand(Ads1299Command.SDATAC);
        if (_pins.Start >= 0)
        {
            WritePin(_pins.Start, PinValue.Low);
        }
        else
        {
            SendCommand(Ads1299Command.STOP);
        }
    }

    /// <summary>
    /// Waits for DRDY to fall. An edge whose conversion was already read (it fell while the previous frame was being
    /// clocked out) is passed over, so a frame is never read twice. Edge events can be lost under load on some GPIO
    /// drivers, so on a timeout the pin level is checked: DRDY already low means a conversion is waiting and the edge
    /// was missed.
    /// </summary>
    /// <remarks>
    /// Allocates nothing, on a timeout either: the edge event is reused, and the deadline is a timestamp. Reading the
    /// frame only after the event is reset means an edge that falls in between is the frame about to be read.
    /// </remarks>
    public bool WaitForDataReady(TimeSpan timeout)
    {
        ThrowIfDisposed();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var remaining = deadline - Stopwatch.GetTimestamp();
            var milliseconds = remaining <= 0 ? 0 : (int)Math.Min(int.MaxValue, ((remaining * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
            var fell = milliseconds > 0 && _dataReadyFell.Wait(milliseconds);
            _dataReadyFell.Reset();
            var dataWaiting = _gpio.Read(_pins.DataReady) == PinValue.Low;
            if (fell && dataWaiting)
            {
                return true;
            }

            if (!fell)
            {
                if (dataWaiting)
                {
                    LostDataReadyEdges++;
                }

                return dataWaiting;
            }
        }
    }

    /// <summary>Clocks one frame out in RDATAC mode (DIN held at zero so nothing is taken as a command).</summary>
    public void ReadFrame(Span<byte> frame)
    {
        ThrowIfDisposed();
        if (frame.Length != FrameLength)
        {
            throw new ArgumentException($"Frame buffer must be {FrameLength} bytes.", nameof(frame));
        }

        _dataSpi.TransferFullDuplex(_frameTx, frame);
    }

    /// <summary>RDATA: reads the latest conversion on demand while not in RDATAC.</summary>
    public void ReadFrameByCommand(Span<byte> frame)
    {
        ThrowIfDisposed();
        if (_continuous)
        {
            throw new InvalidOperationException("RDATA is for the stopped-read mode; in RDATAC use ReadFrame.");
        }

        Span<byte> tx = stackalloc byte[1 + FrameLength];
        Span<byte> rx = stackalloc byte[1 + FrameLength];
        tx.Clear();
        tx[0] = (byte)Ads1299Command.RDATA;
        _dataSpi.TransferFullDuplex(tx, rx);
        rx[1..].CopyTo(frame);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_continuous)
            {
                _commandSpi.WriteByte((byte)Ads1299Command.SDATAC);
            }

            _commandSpi.WriteByte((byte)Ads1299Command.STOP);
            if (_pins.Start >= 0 && _gpio.IsPinOpen(_pins.Start))
            {
                _gpio.Write(_pins.Start, PinValue.Low);
            }
        }
        catch (IOException)
        {
            // The bus may already be gone (unplugged cable); closing must still release the handles.
        }

        _gpio.UnregisterCallbackForPinValueChangedEvent(_pins.DataReady, _onDataReadyFalling);
        if (_shouldDispose)
        {
            _dataSpi.Dispose();
            if (!ReferenceEquals(_commandSpi, _dataSpi))
            {
                _commandSpi.Dispose();
            }

            _gpio.Dispose();
        }
        else
        {
            ClosePin(_pins.DataReady);
            ClosePin(_pins.Start);
            ClosePin(_pins.Reset);
            ClosePin(_pins.PowerDown);
        }

        _dataReadyFell.Dispose();
    }

    private void EnsureRegisterAccess(Ads1299Register start, int count)
    {
        if (_continuous)
        {
            throw new InvalidOperationException("The ADS1299 ignores RREG/WREG in RDATAC mode; send SDATAC first.");
        }

        if (count < 1 || (int)start + count > Ads1299RegisterMap.RegisterCount)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Registers {start}+{count} run past 0x17.");
        }
    }

    private void OpenOutput(int pin, PinValue initial)
    {
        if (pin >= 0)
        {
            _gpio.OpenPin(pin, PinMode.Output, initial);
        }
    }

    private void WritePin(int pin, PinValue value)
    {
        if (pin >= 0)
        {
            _gpio.Write(pin, value);
        }
    }

    private void ClosePin(int pin)
    {
        if (pin >= 0 && _gpio.IsPinOpen(pin))
        {
            _gpio.ClosePin(pin);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
