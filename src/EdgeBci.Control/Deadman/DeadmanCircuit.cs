namespace EdgeBci.Control.Deadman;

/// <summary>Why a deadman circuit's enable went off.</summary>
public enum DeadmanDropReason
{
    /// <summary>No rising edge on the pulse line for the timeout (the software stopped, hung or died).</summary>
    Timeout,

    /// <summary>The clear line went low (the software dropped it on purpose: a STOP, switch-off).</summary>
    Cleared,
}

/// <summary>When and why the enable went off, and the last trigger before it.</summary>
public readonly record struct DeadmanDrop(TimeSpan At, DeadmanDropReason Reason, TimeSpan? LastTrigger);

/// <summary>
/// A deterministic model of the deadman circuit of hardware/deadman.md: a retriggerable monostable (74LVC1G123 with A
/// tied low) whose Q output is the actuator's enable. A rising edge on B (the pulse line) while CLR is high starts the
/// output pulse or stretches it to that edge + the timeout; CLR low ends it at once and blocks triggering; CLR going
/// high while B is high triggers too (the part's third trigger path). At power-up the enable is off. Inputs come with
/// their times, in order; <see cref="Evaluate"/> moves the model's clock on and records a drop once the timeout has run
/// out. An input can reach the model after its clock has passed the input's time (the emulation hears of an edge over
/// a pipe): while the enable is still on, or when no drop was recorded after that time, it acts from its own time; an
/// edge from before a drop that was already recorded is counted in <see cref="LateEdges"/> and changes nothing but the
/// line's level, so an output that has gone off is never turned back on by an edge that came too late to hold it.
/// Not thread-safe.
/// </summary>
public sealed class DeadmanCircuit
{
    private TimeSpan? _enabledUntil;
    private TimeSpan _lastInput = TimeSpan.MinValue;

    /// <param name="timeout">How long after the last trigger the enable stays on (t_w = K × R × C of the part).</param>
    /// <param name="clearWired">False when CLR is tied high (no immediate drop; only the timeout drops the enable).</param>
    public DeadmanCircuit(TimeSpan timeout, bool clearWired = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        ClearWired = clearWired;
        ClearHigh = !clearWired;
    }

    public TimeSpan Timeout { get; }

    public bool ClearWired { get; }

    /// <summary>The model's clock: the latest time evaluated.</summary>
    public TimeSpan Now { get; private set; } = TimeSpan.MinValue;

    public bool PulseHigh { get; private set; }

    /// <summary>CLR's level (high when not wired: tied high).</summary>
    public bool ClearHigh { get; private set; }

    /// <summary>The enable at <see cref="Now"/>.</summary>
    public bool Enabled => _enabledUntil is not null;

    /// <summary>When the enable goes off unless triggered again; null while off.</summary>
    public TimeSpan? EnabledUntil => _enabledUntil;

    public TimeSpan? LastTrigger { get; private set; }

    public long Triggers { get; private set; }

    /// <summary>Rising edges that reached the model after a drop it had already recorded at a later time.</summary>
    public long LateEdges { get; private set; }

    /// <summary>The latest drop of the enable, or null while it never went off after being on.</summary>
    public DeadmanDrop? LastDrop { get; private set; }

    /// <summary>The pulse line (B) took <paramref name="high"/> at <paramref name="at"/>.</summary>
    public void SetPulse(TimeSpan at, bool high)
    {
        CheckOrder(at);
        var rising = high && !PulseHigh;
        PulseHigh = high;
        if (rising && ClearHigh)
        {
            Trigger(at);
        }
    }

    /// <summary>The clear line (CLR, active low) took <paramref name="high"/> at <paramref name="at"/>.</summary>
    public void SetClear(TimeSpan at, bool high)
    {
        if (!ClearWired)
        {
            throw new InvalidOperationException("CLR is tied high in this circuit: it has no clear line to drive.");
        }

        CheckOrder(at);
        var rising = high && !ClearHigh;
        ClearHigh = high;
        if (!high)
        {
            ExpireAt(at);
            if (_enabledUntil is not null)
            {
                _enabledUntil = null;
                LastDrop = new DeadmanDrop(at, DeadmanDropReason.Cleared, LastTrigger);
            }
        }
        else if (rising && PulseHigh)
        {
            // The '123 triggers on CLR rising while A is low and B high.
            Trigger(at);
        }
    }

    /// <summary>Moves the model's clock to <paramref name="now"/> (never back) and returns the enable then.</summary>
    public bool Evaluate(TimeSpan now)
    {
        if (now > Now)
        {
            Now = now;
        }

        ExpireAt(Now);
        return _enabledUntil is not null;
    }

    private void Trigger(TimeSpan at)
    {
        ExpireAt(at);
        if (_enabledUntil is null && at < Now && LastDrop is { } drop && drop.At > at)
        {
            // This edge would have held an enable the model has already reported off.
            LateEdges++;
            return;
        }

        var until = at + Timeout;
        _enabledUntil = _enabledUntil is { } current && current > until ? current : until;
        LastTrigger = at;
        Triggers++;
        ExpireAt(Now);
    }

    private void ExpireAt(TimeSpan time)
    {
        if (_enabledUntil is { } until && time >= until)
        {
            _enabledUntil = null;
            LastDrop = new DeadmanDrop(until, DeadmanDropReason.Timeout, LastTrigger);
        }
    }

    private void CheckOrder(TimeSpan at)
    {
        if (at < _lastInput)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"Inputs must come in time order; the previous one was at {_lastInput}.");
        }

        _lastInput = at;
    }
}
