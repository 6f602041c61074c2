using System.Device.Gpio;
using System.Diagnostics;

namespace EdgeBci.Control.Actuators.Emulation;

/// <summary>A level written on an emulated line, with the <see cref="Stopwatch"/> timestamp it was written at.</summary>
public readonly record struct GpioLineWrite(int Line, PinValue Value, long Timestamp);

/// <summary>
/// The actuator board's gpiochip on the emulator: one set of lines shared by every controller opened on it (as several
/// handles on one chip), each line held by one controller at a time (a second request is refused, as the kernel refuses
/// a line already requested), every level written reported to the subscribers on the writing thread. The direction,
/// enable, LDAC and deadman lines of the real drivers live here. Thread-safe.
/// </summary>
public sealed class EmulatedGpioChip
{
    public const int LineCount = 64;

    private readonly Lock _gate = new();
    private readonly PinValue[] _levels = new PinValue[LineCount];
    private readonly object?[] _holders = new object?[LineCount];
    private Action<GpioLineWrite>[] _subscribers = [];

    /// <summary>A driver for one <see cref="GpioController"/> on this chip.</summary>
    public GpioDriver CreateDriver() => new EmulatedGpioDriver(this);

    /// <summary>Calls <paramref name="onWrite"/> with every level written on any line, on the writing thread; it must return at once.</summary>
    public void Subscribe(Action<GpioLineWrite> onWrite)
    {
        ArgumentNullException.ThrowIfNull(onWrite);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, onWrite];
        }
    }

    public PinValue Level(int line)
    {
        CheckLine(line);
        lock (_gate)
        {
            return _levels[line];
        }
    }

    public bool IsHeld(int line)
    {
        CheckLine(line);
        lock (_gate)
        {
            return _holders[line] is not null;
        }
    }

    internal void Request(int line, object holder)
    {
        CheckLine(line);
        lock (_gate)
        {
            if (_holders[line] is { } current && !ReferenceEquals(current, holder))
            {
                throw new IOException($"Emulated GPIO line {line} is busy: another controller holds it (two functions wired to one line?).");
            }

            _holders[line] = holder;
        }
    }

    internal void Release(int line, object holder)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_holders[line], holder))
            {
                _holders[line] = null;
            }
        }
    }

    internal void Write(int line, PinValue value, object holder)
    {
        CheckLine(line);
        Action<GpioLineWrite>[] subscribers;
        long timestamp;
        lock (_gate)
        {
            if (!ReferenceEquals(_holders[line], holder))
            {
                throw new InvalidOperationException($"Emulated GPIO line {line} is not open on this controller.");
            }

            _levels[line] = value;
            timestamp = Stopwatch.GetTimestamp();
            subscribers = _subscribers;
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(new GpioLineWrite(line, value, timestamp));
        }
    }

    private static void CheckLine(int line)
    {
        if (line is < 0 or >= LineCount)
        {
            throw new ArgumentOutOfRangeException(nameof(line), line, $"The emulated actuator board has lines 0..{LineCount - 1}.");
        }
    }
}

/// <summary>One controller's handle on the <see cref="EmulatedGpioChip"/>: outputs only (the actuators' lines are outputs).</summary>
internal sealed class EmulatedGpioDriver(EmulatedGpioChip chip) : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];

    protected override int PinCount => EmulatedGpioChip.LineCount;

    protected override void OpenPin(int pinNumber)
    {
        chip.Request(pinNumber, this);
        _modes[pinNumber] = PinMode.Output;
    }

    protected override void ClosePin(int pinNumber)
    {
        _modes.Remove(pinNumber);
        chip.Release(pinNumber, this);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        if (mode != PinMode.Output)
        {
            throw new InvalidOperationException($"Emulated actuator line {pinNumber} cannot be {mode}: the actuator board's lines are outputs.");
        }

        _modes[pinNumber] = mode;
    }

    protected override PinMode GetPinMode(int pinNumber) =>
        _modes.TryGetValue(pinNumber, out var mode) ? mode : throw new InvalidOperationException($"Emulated line {pinNumber} is not open.");

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => mode == PinMode.Output;

    protected override PinValue Read(int pinNumber) => chip.Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value) => chip.Write(pinNumber, value, this);

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"Emulated actuator line {pinNumber} is an output: it has no edges to wait for.");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        throw new InvalidOperationException($"Emulated actuator line {pinNumber} is an output: it raises no callbacks.");

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var line in _modes.Keys)
            {
                chip.Release(line, this);
            }

            _modes.Clear();
        }

        base.Dispose(disposing);
    }
}
