using System.Device.Gpio;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// The unit's safety switches on GPIO: the e-stop on one or two channels, the obstacle/inhibit input (high while clear)
/// and the arm button (active low, pull-up, debounced; a press is a local arm request). The e-stop and inhibit lines are
/// pulled down, so a broken wire reads as the e-stop open or the inhibit tripped. A line of -1 is not wired and not
/// reported here: the firmware must then report it another way.
/// <para>
/// The e-stop has two paths. Its opening edges are watched with GPIO events: on the driver's event thread an opening
/// edge of either channel is reported to the inputs at once and the drop action (the deadman's enable) is called, so the
/// enable drops even when the supervisor loop is dead. <see cref="Poll"/>, at every tick, reads the levels: it catches an
/// edge the kernel missed, closes the e-stop again only when every channel reads closed, and latches a discrepancy
/// between two channels that lasts longer than <see cref="EStopWindow"/> (see <see cref="EStopMonitor"/>).
/// </para>
/// </summary>
public sealed class GpioSafetyInputs : IDisposable
{
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(30);

    /// <summary>How long two e-stop channels may disagree (contacts that do not switch at the same instant, bounce) before that is a fault.</summary>
    public static readonly TimeSpan EStopWindow = TimeSpan.FromMilliseconds(20);

    private readonly Lock _gate = new();
    private readonly GpioController _gpio;
    private readonly ControlInputs _inputs;
    private readonly Action? _onEStopOpened;
    private readonly int _armPin;
    private readonly int _eStopPin;
    private readonly int _eStopSecondPin;
    private readonly int _inhibitPin;
    private readonly TimeSpan _debounce;
    private readonly bool _shouldDispose;
    private readonly EStopMonitor _eStop;
    private readonly PinChangeEventHandler _onEStopEdge;
    private readonly List<int> _watched = new(2);
    private PinValue _armStable = PinValue.High;
    private PinValue _armRaw = PinValue.High;
    private TimeSpan _armRawSince;
    private bool _eStopReportedClosed;
    private long _eStopOpeningEdges;
    private long _drops;
    private bool _disposed;

    /// <param name="gpio">The unit's GPIO lines.</param>
    /// <param name="options">The lines (<see cref="ControlOptions.EStopPin"/>, <see cref="ControlOptions.EStopSecondPin"/> and its contact, inhibit, arm button).</param>
    /// <param name="inputs">Where the switches are reported.</param>
    /// <param name="onEStopOpened">
    /// Called when the e-stop opens, on the GPIO driver's event thread for an edge (or on the polling thread for an
    /// opening only a poll saw): drops the actuator's enable in hardware (the deadman). Must be quick and must not block.
    /// If it throws, that is reported as a pipeline fault (SafeStop).
    /// </param>
    /// <param name="debounce">The arm button's debounce.</param>
    /// <param name="shouldDispose">Dispose <paramref name="gpio"/> with this; otherwise only the lines opened here are closed.</param>
    /// <exception cref="IOException">An e-stop line cannot be watched for edges (the driver does not deliver events).</exception>
    public GpioSafetyInputs(GpioController gpio, ControlOptions options, ControlInputs inputs, Action? onEStopOpened = null, TimeSpan? debounce = null,
        bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputs);
        _gpio = gpio;
        _inputs = inputs;
        _onEStopOpened = onEStopOpened;
        _armPin = options.ArmButtonPin;
        _eStopPin = options.EStopPin;
        _eStopSecondPin = options.EStopPin >= 0 ? options.EStopSecondPin : -1;
        _inhibitPin = options.InhibitPin;
        _debounce = debounce ?? DefaultDebounce;
        _shouldDispose = shouldDispose;
        _eStop = new EStopMonitor(_eStopPin, _eStopSecondPin, options.EStopSecondContact, EStopWindow);
        _onEStopEdge = OnEStopEdge;
        try
        {
            OpenLines();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Debounced arm presses seen so far.</summary>
    public int ArmPresses { get; private set; }

    /// <summary>Opening edges of an e-stop channel the GPIO driver delivered.</summary>
    public long EStopOpeningEdges => Interlocked.Read(ref _eStopOpeningEdges);

    /// <summary>Times the drop action ran (an opening edge, or an opening only a poll saw).</summary>
    public long Drops => Interlocked.Read(ref _drops);

    /// <summary>
    /// The latched disagreement of the two e-stop channels ("e-stop channels disagree: ..."), or null. While set, the
    /// e-stop is reported open.
    /// </summary>
    public string? EStopDiscrepancy
    {
        get
        {
            lock (_gate)
            {
                return _eStop.Discrepancy;
            }
        }
    }

    /// <summary>Reads every wired line into the inputs; call it before each tick's snapshot.</summary>
    public void Poll(TimeSpan now)
    {
        bool openingMissed;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            openingMissed = PollEStop(now);
            if (_inhibitPin >= 0)
            {
                _inputs.SetInhibit(_gpio.Read(_inhibitPin) == PinValue.Low);
            }

            if (_armPin >= 0)
            {
                PollArmButton(now);
            }
        }

        if (openingMissed)
        {
            Drop("an opening seen by the poll, not by an edge");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // Outside the lock: a driver may wait for a callback in progress, and the callback takes the lock.
        foreach (var pin in _watched)
        {
            _gpio.UnregisterCallbackForPinValueChangedEvent(pin, _onEStopEdge);
        }

        if (_shouldDispose)
        {
            _gpio.Dispose();
            return;
        }

        foreach (var pin in new[] { _armPin, _eStopPin, _eStopSecondPin, _inhibitPin })
        {
            if (pin >= 0 && _gpio.IsPinOpen(pin))
            {
                _gpio.ClosePin(pin);
            }
        }
    }

    private void OpenLines()
    {
        if (_armPin >= 0)
        {
            _gpio.OpenPin(_armPin, PinMode.InputPullUp);

            // A button held at switch-on is not a press: only a release and a new press arm.
            _armStable = _armRaw = _gpio.Read(_armPin);
        }

        foreach (var pin in (ReadOnlySpan<int>)[_eStopPin, _eStopSecondPin])
        {
            if (pin < 0)
            {
                continue;
            }

            _gpio.OpenPin(pin, PinMode.InputPullDown);
            try
            {
                _gpio.RegisterCallbackForPinValueChangedEvent(pin, _eStop.OpeningEdge(pin), _onEStopEdge);
            }
            catch (Exception exception) when (exception is IOException or InvalidOperationException or NotSupportedException or PlatformNotSupportedException)
            {
                throw new IOException($"cannot watch the e-stop line GPIO {pin} for its opening edge ({_eStop.OpeningEdge(pin)}): {exception.Message}", exception);
            }

            _watched.Add(pin);
        }

        if (_inhibitPin >= 0)
        {
            _gpio.OpenPin(_inhibitPin, PinMode.InputPullDown);
        }
    }

    /// <summary>On the GPIO driver's event thread: an opening is reported and the enable dropped without waiting for a tick.</summary>
    private void OnEStopEdge(object sender, PinValueChangedEventArgs change)
    {
        lock (_gate)
        {
            if (_disposed || !_eStop.OnEdge(change.PinNumber, change.ChangeType))
            {
                return;
            }

            _eStopOpeningEdges++;
            _eStopReportedClosed = false;
            _inputs.SetEStopClosed(false);
        }

        Drop($"opening edge on GPIO {change.PinNumber}");
    }

    /// <summary>True when the e-stop reads open although it was reported closed and no edge said so.</summary>
    private bool PollEStop(TimeSpan now)
    {
        if (_eStopPin < 0)
        {
            return false;
        }

        var second = _eStopSecondPin >= 0 ? _gpio.Read(_eStopSecondPin) : PinValue.Low;
        var closed = _eStop.Update(_gpio.Read(_eStopPin), second, now);
        var openingMissed = _eStopReportedClosed && !closed;
        _eStopReportedClosed = closed;
        _inputs.SetEStopClosed(closed);
        return openingMissed;
    }

    private void PollArmButton(TimeSpan now)
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

    private void Drop(string cause)
    {
        if (_onEStopOpened is null)
        {
            return;
        }

        Interlocked.Increment(ref _drops);
        try
        {
            _onEStopOpened();
        }
#pragma warning disable CA1031 // On the driver's event thread nobody else would see it: the supervisor must.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _inputs.ReportPipelineFault($"the e-stop's drop action failed after {cause}: {exception.GetType().Name}: {exception.Message}");
        }
    }
}
