using System.Device.Gpio;

namespace EdgeBci.Control.Tests.Fakes;

/// <summary>GPIO lines that record every level written, in order.</summary>
public sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _levels = [];

    /// <summary>(line, level) in the order written, opening levels included.</summary>
    public List<(int Pin, PinValue Value)> Writes { get; } = [];

    public PinValue Level(int pin) => _levels.TryGetValue(pin, out var value) ? value : PinValue.Low;

    public bool IsOpen(int pin) => _modes.ContainsKey(pin);

    public PinMode Mode(int pin) => _modes[pin];

    /// <summary>What the outside world drives onto an input line.</summary>
    public void Drive(int pin, PinValue value) => _levels[pin] = value;

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
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
    }
}
