using System.Device.Gpio;

namespace EdgeBci.Control.Tests.Fakes;

/// <summary>GPIO lines that record every level written, in order, and raise edge callbacks when a test drives an input.</summary>
public sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Callback)>> _callbacks = [];

    /// <summary>(line, level) in the order written, opening levels included.</summary>
    public List<(int Pin, PinValue Value)> Writes { get; } = [];

    public PinValue Level(int pin) => _levels.TryGetValue(pin, out var value) ? value : PinValue.Low;

    public bool IsOpen(int pin) => _modes.ContainsKey(pin);

    public PinMode Mode(int pin) => _modes[pin];

    /// <summary>
    /// What the outside world drives onto an input line. A change of level raises the line's registered callbacks for
    /// that edge on the calling thread, as the driver's event thread would.
    /// </summary>
    public void Drive(int pin, PinValue value)
    {
        var changed = Level(pin) != value;
        _levels[pin] = value;
        if (changed && DeliverEvents)
        {
            RaiseEdge(pin, value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling);
        }
    }

    /// <summary>False: level changes raise no callback, as when the kernel misses an edge.</summary>
    public bool DeliverEvents { get; set; } = true;

    /// <summary>True: registering a callback fails, as on a driver without edge events.</summary>
    public bool RefuseEvents { get; set; }

    /// <summary>An edge event without a change of level: a pulse too short for any read to see.</summary>
    public void RaiseEdge(int pin, PinEventTypes edge)
    {
        if (!_callbacks.TryGetValue(pin, out var registered))
        {
            return;
        }

        foreach (var (types, callback) in registered.ToArray())
        {
            if ((types & edge) != 0)
            {
                callback(this, new PinValueChangedEventArgs(edge, pin));
            }
        }
    }

    /// <summary>The edges callbacks are registered for on a line (None when none is).</summary>
    public PinEventTypes Watched(int pin) =>
        _callbacks.TryGetValue(pin, out var registered) ? registered.Aggregate(PinEventTypes.None, (all, entry) => all | entry.Types) : PinEventTypes.None;

    public int FailNextWrites { get; set; }

    protected override int PinCount => 64;

    protected override void OpenPin(int pinNumber) => _modes[pinNumber] = PinMode.Input;

    protected override void ClosePin(int pinNumber) => _modes.Remove(pinNumber);

    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

    protected override PinMode GetPinMode(int pinNumber) => _modes[pinNumber];

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        if (FailNextWrites > 0)
        {
            FailNextWrites--;
            throw new IOException("simulated GPIO write error");
        }

        _levels[pinNumber] = value;
        Writes.Add((pinNumber, value));
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        new() { EventTypes = PinEventTypes.None, TimedOut = true };

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        if (RefuseEvents)
        {
            throw new IOException($"simulated: no edge events on line {pinNumber}");
        }

        if (!_callbacks.TryGetValue(pinNumber, out var registered))
        {
            _callbacks[pinNumber] = registered = [];
        }

        registered.Add((eventTypes, callback));
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        if (_callbacks.TryGetValue(pinNumber, out var registered))
        {
            registered.RemoveAll(entry => entry.Callback == callback);
        }
    }
}
