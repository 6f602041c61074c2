using System.Device.Gpio;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// The unit's safety switches on GPIO, read at every tick: the e-stop loop (high while closed), the obstacle/inhibit
/// input (high while clear) and the arm button (active low, pull-up, debounced; a press is a local arm request). Both
/// safety inputs are pulled down, so a broken wire reads as the e-stop open or the inhibit tripped. A line of -1 is not
/// wired and not reported here: the firmware must then report it another way.
/// </summary>
public sealed class GpioSafetyInputs : IDisposable
{
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(30);

    private readonly GpioController _gpio;
    private readonly ControlInputs _inputs;
    private readonly int _armPin;
    private readonly int _eStopPin;
    private readonly int _inhibitPin;
    private readonly TimeSpan _debounce;
    private readonly bool _shouldDispose;
    private PinValue _armStable = PinValue.High;
    private PinValue _armRaw = PinValue.High;
    private TimeSpan _armRawSince;
    private bool _disposed;

    public GpioSafetyInputs(GpioController gpio, ControlOptions options, ControlInputs inputs, TimeSpan? debounce = null, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputs);
        _gpio = gpio;
        _inputs = inputs;
        _armPin = options.ArmButtonPin;
        _eStopPin = options.EStopPin;
        _inhibitPin = options.InhibitPin;
        _debounce = debounce ?? DefaultDebounce;
        _shouldDispose = shouldDispose;
        if (_armPin >= 0)
        {
            gpio.OpenPin(_armPin, PinMode.InputPullUp);

            // A button held at switch-on is not a press: only a release and a new press arm.
            _armStable = _armRaw = gpio.Read(_armPin);
        }

        if (_eStopPin >= 0)
        {
            gpio.OpenPin(_eStopPin, PinMode.InputPullDown);
        }

        if (_inhibitPin >= 0)
        {
            gpio.OpenPin(_inhibitPin, PinMode.InputPullDown);
        }
    }

    /// <summary>Debounced arm presses seen so far.</summary>
    public int ArmPresses { get; private set; }

    /// <summary>Reads every wired line into the inputs; call it before each tick's snapshot.</summary>
    public void Poll(TimeSpan now)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_eStopPin >= 0)
        {
            _inputs.SetEStopClosed(_gpio.Read(_eStopPin) == PinValue.High);
        }

        if (_inhibitPin >= 0)
        {
            _inputs.SetInhibit(_gpio.Read(_inhibitPin) == PinValue.Low);
        }

        if (_armPin >= 0)
        {
            var level = _gpio.Read(_armPin);
            if (level != _armRaw)
            {
                _armRaw = level;
                _armRawSince = now;
            }
            else if (level != _armStable && now - _armRawSince >= _debounce)
            {
                _armStable = level;
                if (level == PinValue.Low)
                {
                    ArmPresses++;
                    _inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalButton));
                }
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_shouldDispose)
        {
            _gpio.Dispose();
            return;
        }

        foreach (var pin in new[] { _armPin, _eStopPin, _inhibitPin })
        {
            if (pin >= 0 && _gpio.IsPinOpen(pin))
            {
                _gpio.ClosePin(pin);
            }
        }
    }
}
