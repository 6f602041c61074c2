using System.Device.Gpio;

namespace EdgeBci.Control.Deadman;

/// <summary>What one <see cref="DeadmanLine.Toggle"/> did.</summary>
public enum DeadmanToggle
{
    /// <summary>An edge went out: the enable is held.</summary>
    Toggled,

    /// <summary>Nothing written: a <see cref="DeadmanLine.Drop"/> holds the enable off until a disable.</summary>
    Held,

    /// <summary>
    /// Nothing but a drop written: the last rising edge is older than the circuit's timeout by now (the step stalled
    /// between its start and its edge), so the circuit has dropped the enable and a new edge would bring it back.
    /// </summary>
    Lapsed,
}

/// <summary>
/// The software side of the deadman circuit (hardware/deadman.md): the pulse line the control loop toggles while motion
/// is permitted, and the clear line that drops the actuator's enable at once. The circuit holds the enable only while
/// rising edges keep coming, so a loop that stalls, a process that hangs or dies, and a line that breaks all let it drop
/// after its timeout, without any code having to run. Both lines start low: enable off.
/// <para>
/// <see cref="Toggle"/> and <see cref="Disable"/> belong to the one thread that steps the control pipeline;
/// <see cref="Drop"/> may come from any thread (the e-stop's edge) and keeps the enable off until the stepping thread
/// has seen motion not permitted and called <see cref="Disable"/>, so a step already under way cannot turn the enable
/// back on. Each toggle reads the clock just before its edge: a process stopped in the middle of a step, between the
/// step's own clock reading and its edge, must not wake up and retrigger a circuit that has timed out meanwhile.
/// Disposing drops the enable and releases the lines.
/// </para>
/// </summary>
public sealed class DeadmanLine : IDisposable
{
    private readonly Lock _gate = new();
    private readonly GpioController _gpio;
    private readonly TimeProvider _time;
    private readonly bool _shouldDispose;
    private bool _pulseHigh;
    private bool _clearReleased;
    private bool _dropped;
    private bool _disposed;
    private TimeSpan? _lastToggle;
    private TimeSpan? _lastRisingEdge;
    private long _toggles;
    private long _drops;

    /// <param name="gpio">The controller owning both lines.</param>
    /// <param name="pulseLine">The line whose rising edges retrigger the circuit (the '123's B input).</param>
    /// <param name="clearLine">The circuit's CLR input (low = enable off at once), or -1 when it is tied high.</param>
    /// <param name="timeout">How long the circuit holds the enable after a rising edge.</param>
    /// <param name="time">The control clock, read at every edge.</param>
    /// <param name="shouldDispose">Dispose the controller with the line.</param>
    public DeadmanLine(GpioController gpio, int pulseLine, int clearLine, TimeSpan timeout, TimeProvider time, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(pulseLine);
        ArgumentOutOfRangeException.ThrowIfLessThan(clearLine, -1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (clearLine == pulseLine)
        {
            throw new ArgumentException($"The deadman's pulse and clear lines must differ; both are {pulseLine}.", nameof(clearLine));
        }

        _gpio = gpio;
        _time = time;
        _shouldDispose = shouldDispose;
        PulseLine = pulseLine;
        ClearLine = clearLine;
        Timeout = timeout;
        gpio.OpenPin(pulseLine, PinMode.Output, PinValue.Low);
        if (clearLine >= 0)
        {
            try
            {
                gpio.OpenPin(clearLine, PinMode.Output, PinValue.Low);
            }
            catch
            {
                gpio.ClosePin(pulseLine);
                throw;
            }
        }
    }

    public int PulseLine { get; }

    /// <summary>The clear line, or -1 when the circuit's CLR is tied high.</summary>
    public int ClearLine { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Control-clock time of the last toggle while the enable is held; null once it was dropped or disabled.</summary>
    public TimeSpan? LastToggle
    {
        get
        {
            lock (_gate)
            {
                return _lastToggle;
            }
        }
    }

    /// <summary>
    /// Control-clock time of the last rising edge while the enable is held, what the circuit times out from (a toggle
    /// every step makes one every second step); null once it was dropped or disabled.
    /// </summary>
    public TimeSpan? LastRisingEdge
    {
        get
        {
            lock (_gate)
            {
                return _lastRisingEdge;
            }
        }
    }

    /// <summary>The software holds the enable: it toggles, and the clear line is released.</summary>
    public bool Holding
    {
        get
        {
            lock (_gate)
            {
                return _lastToggle is not null;
            }
        }
    }

    public long Toggles => Interlocked.Read(ref _toggles);

    /// <summary>Calls of <see cref="Drop"/>.</summary>
    public long Drops => Interlocked.Read(ref _drops);

    /// <summary>
    /// One edge on the pulse line (stepping thread only): motion is permitted now. After a disable the clear line is
    /// released first, with the pulse line low, so releasing it cannot trigger the circuit by itself. Nothing is written
    /// while a <see cref="Drop"/> has not yet been seen by a <see cref="Disable"/> (<see cref="DeadmanToggle.Held"/>), and
    /// the enable is dropped instead when the last rising edge is already older than the timeout
    /// (<see cref="DeadmanToggle.Lapsed"/>).
    /// </summary>
    public DeadmanToggle Toggle()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_dropped)
            {
                return DeadmanToggle.Held;
            }

            var now = _time.MonotonicNow();
            if (_lastRisingEdge is { } lastRising && now - lastRising > Timeout)
            {
                DropLocked();
                return DeadmanToggle.Lapsed;
            }

            if (!_clearReleased)
            {
                if (_pulseHigh)
                {
                    WritePulse(high: false);
                }

                if (ClearLine >= 0)
                {
                    _gpio.Write(ClearLine, PinValue.High);
                }

                _clearReleased = true;
            }

            WritePulse(!_pulseHigh);
            _lastToggle = now;
            _lastRisingEdge = _pulseHigh ? now : _lastRisingEdge;
            _toggles++;
            return DeadmanToggle.Toggled;
        }
    }

    /// <summary>Motion is not permitted (stepping thread only): the enable goes off, and a later toggle may enable it again.</summary>
    public void Disable()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DropLocked();
            _dropped = false;
        }
    }

    /// <summary>
    /// The enable goes off now, from any thread; toggles are refused until the stepping thread calls
    /// <see cref="Disable"/>. Safe after dispose (nothing left to drop).
    /// </summary>
    public void Drop()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _dropped = true;
            Interlocked.Increment(ref _drops);
            DropLocked();
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

            try
            {
                DropLocked();
            }
            finally
            {
                _disposed = true;
                if (_shouldDispose)
                {
                    _gpio.Dispose();
                }
                else
                {
                    ClosePins();
                }
            }
        }
    }

    /// <summary>Clear asserted first (the enable is off at once), then the pulse line to rest low. Each write is tried.</summary>
    private void DropLocked()
    {
        _lastToggle = null;
        _lastRisingEdge = null;
        Exception? first = null;
        var failed = -1;
        if (ClearLine >= 0 && _clearReleased)
        {
            try
            {
                _gpio.Write(ClearLine, PinValue.Low);
                _clearReleased = false;
            }
#pragma warning disable CA1031 // The pulse line is still set to rest; the first failure is rethrown after it.
            catch (Exception error)
#pragma warning restore CA1031
            {
                first = error;
                failed = ClearLine;
            }
        }
        else
        {
            _clearReleased = false;
        }

        if (_pulseHigh)
        {
            try
            {
                WritePulse(high: false);
            }
#pragma warning disable CA1031 // Collected and rethrown below.
            catch (Exception error)
#pragma warning restore CA1031
            {
                if (first is null)
                {
                    first = error;
                    failed = PulseLine;
                }
            }
        }

        if (first is not null)
        {
            throw new IOException($"The deadman's {(failed == ClearLine ? "clear" : "pulse")} line {failed} could not be driven low: {first.Message}", first);
        }
    }

    private void WritePulse(bool high)
    {
        _gpio.Write(PulseLine, high ? PinValue.High : PinValue.Low);
        _pulseHigh = high;
    }

    private void ClosePins()
    {
        if (_gpio.IsPinOpen(PulseLine))
        {
            _gpio.ClosePin(PulseLine);
        }

        if (ClearLine >= 0 && _gpio.IsPinOpen(ClearLine))
        {
            _gpio.ClosePin(ClearLine);
        }
    }
}
