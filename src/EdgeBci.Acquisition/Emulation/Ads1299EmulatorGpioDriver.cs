using System.Device.Gpio;
using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// The board's GPIO lines wired to the emulated chip: DRDY is an input driven by the conversion clock; START, RESET
/// and PWDN are outputs the chip obeys. A <see cref="GpioDriver"/>, so the driver's <see cref="GpioController"/>
/// code runs unchanged.
/// </summary>
public sealed class Ads1299EmulatorGpioDriver : GpioDriver
{
    private readonly Ads1299Emulator _emulator;
    private readonly Ads1299Pins _pins;
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _outputs = [];
    private readonly object _callbackGate = new();
    private PinChangeEventHandler? _dataReadyFalling;
    private Thread? _callbackThread;
    private CancellationTokenSource? _callbackStop;

    public Ads1299EmulatorGpioDriver(Ads1299Emulator emulator, Ads1299Pins pins)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentNullException.ThrowIfNull(pins);
        _emulator = emulator;
        _pins = pins;
    }

    protected override int PinCount => 1 + Math.Max(Math.Max(_pins.DataReady, _pins.Start), Math.Max(_pins.Reset, _pins.PowerDown));

    protected override void OpenPin(int pinNumber)
    {
        EnsureWired(pinNumber);
        _modes[pinNumber] = pinNumber == _pins.DataReady ? PinMode.Input : PinMode.Output;
    }

    protected override void ClosePin(int pinNumber) => _modes.Remove(pinNumber);

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        if (!IsPinModeSupported(pinNumber, mode))
        {
            throw new InvalidOperationException($"Emulated line {pinNumber} ({Describe(pinNumber)}) cannot be {mode}: the chip drives DRDY and listens on START, RESET and PWDN.");
        }

        _modes[pinNumber] = mode;
    }

    protected override PinMode GetPinMode(int pinNumber) =>
        _modes.TryGetValue(pinNumber, out var mode) ? mode : throw new InvalidOperationException($"Line {pinNumber} is not open.");

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        pinNumber == _pins.DataReady
            ? mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown
            : IsWired(pinNumber) && mode == PinMode.Output;

    protected override PinValue Read(int pinNumber)
    {
        if (pinNumber == _pins.DataReady)
        {
            return _emulator.DataReadyLow() ? PinValue.Low : PinValue.High;
        }

        return _outputs.TryGetValue(pinNumber, out var value) ? value : PinValue.Low;
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        EnsureWired(pinNumber);
        _outputs[pinNumber] = value;
        var high = value == PinValue.High;
        if (pinNumber == _pins.Start)
        {
            _emulator.SetStartPin(high);
        }
        else if (pinNumber == _pins.Reset)
        {
            _emulator.SetResetPin(high);
        }
        else if (pinNumber == _pins.PowerDown)
        {
            _emulator.SetPowerDownPin(high);
        }
        else
        {
            throw new InvalidOperationException($"Line {pinNumber} is DRDY, an input driven by the chip.");
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        if (pinNumber != _pins.DataReady || (eventTypes & PinEventTypes.Falling) == 0)
        {
            throw new InvalidOperationException($"The emulated board reports falling edges of DRDY (line {_pins.DataReady}); line {pinNumber} {eventTypes} has no edges to wait for.");
        }

        return _emulator.WaitForDataReady(cancellationToken)
            ? new WaitForEventResult { EventTypes = PinEventTypes.Falling, TimedOut = false }
            : new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
    }

    /// <summary>
    /// Raises DRDY falling-edge callbacks from a dispatcher thread at each conversion, as a GPIO driver's event
    /// thread does: by the wall clock in real-time pacing, as soon as the previous conversion was read when
    /// free-running. Only the DRDY falling edge exists on this board: the other lines are outputs, and DRDY's rising
    /// edge carries no information.
    /// </summary>
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        if (pinNumber != _pins.DataReady || eventTypes != PinEventTypes.Falling)
        {
            throw new InvalidOperationException($"The emulated board raises callbacks for DRDY (line {_pins.DataReady}) falling edges only.");
        }

        lock (_callbackGate)
        {
            _dataReadyFalling += callback;
            if (_callbackThread is null)
            {
                _callbackStop = new CancellationTokenSource();
                _callbackThread = new Thread(DispatchCallbacks) { IsBackground = true, Name = "emulated-drdy-callbacks", Priority = ThreadPriority.Highest };
                _callbackThread.Start(_callbackStop.Token);
            }
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_callbackGate)
        {
            _dataReadyFalling -= callback;
            if (_dataReadyFalling is null)
            {
                StopCallbacks();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_callbackGate)
            {
                StopCallbacks();
            }
        }

        base.Dispose(disposing);
    }

    private void StopCallbacks()
    {
        _callbackStop?.Cancel();
        _callbackThread?.Join();
        _callbackStop?.Dispose();
        _callbackStop = null;
        _callbackThread = null;
    }

    private void DispatchCallbacks(object? state)
    {
        var token = (CancellationToken)state!;
        var arguments = new PinValueChangedEventArgs(PinEventTypes.Falling, _pins.DataReady);
        var edge = default(DataReadyEdge);
        while (_emulator.WaitForNextEdge(ref edge, token))
        {
            _dataReadyFalling?.Invoke(this, arguments);
        }
    }

    private bool IsWired(int pinNumber) =>
        pinNumber >= 0 && (pinNumber == _pins.DataReady || pinNumber == _pins.Start || pinNumber == _pins.Reset || pinNumber == _pins.PowerDown);

    private void EnsureWired(int pinNumber)
    {
        if (!IsWired(pinNumber))
        {
            throw new InvalidOperationException($"Line {pinNumber} is not wired to the emulated ADS1299 (DRDY {_pins.DataReady}, START {_pins.Start}, RESET {_pins.Reset}, PWDN {_pins.PowerDown}).");
        }
    }

    private string Describe(int pinNumber) =>
        pinNumber == _pins.DataReady ? "DRDY" : pinNumber == _pins.Start ? "START" : pinNumber == _pins.Reset ? "RESET" : pinNumber == _pins.PowerDown ? "PWDN" : "unwired";
}
