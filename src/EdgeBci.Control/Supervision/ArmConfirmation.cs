namespace EdgeBci.Control.Supervision;

/// <summary>
/// Two-step arming where the arm button is wired (<see cref="ControlOptions.ArmButtonPin"/> ≥ 0): an arm request from
/// the unit's CLI only opens a window of <see cref="Window"/>, and a press of the arm button within it confirms the
/// request. So a command typed on the unit (or by anything with access to its socket) cannot arm a wearer who is not
/// at the button, and a press of the button alone (a knock, a stuck contact) cannot arm either. Deterministic: times are
/// the supervisor's tick times. Not thread-safe: the supervisor's thread uses it.
/// </summary>
public sealed class ArmConfirmation
{
    /// <summary>How long an arm request waits for the button. A press exactly at the end still confirms.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private OperatorRequest? _pending;
    private TimeSpan _since;

    public ArmConfirmation(bool required)
    {
        Required = required;
    }

    /// <summary>The button must confirm a CLI arm request (the button is wired).</summary>
    public bool Required { get; }

    /// <summary>The request waiting for the button, if any.</summary>
    public OperatorRequest? Pending => _pending;

    /// <summary>The last time the button may confirm the pending request.</summary>
    public TimeSpan? Deadline => _pending is null ? null : _since + Window;

    /// <summary>Opens (or restarts) the window for <paramref name="request"/> at <paramref name="now"/>.</summary>
    public void Open(OperatorRequest request, TimeSpan now)
    {
        _pending = request;
        _since = now;
    }

    /// <summary>The pending request, if its window has just closed at <paramref name="now"/>; it is dropped.</summary>
    public OperatorRequest? Expire(TimeSpan now)
    {
        if (_pending is not { } pending || now <= _since + Window)
        {
            return null;
        }

        _pending = null;
        return pending;
    }

    /// <summary>The request the button confirms at <paramref name="now"/> (consumed), or null when none is open.</summary>
    public OperatorRequest? Confirm(TimeSpan now)
    {
        var pending = now <= _since + Window ? _pending : null;
        _pending = null;
        return pending;
    }

    /// <summary>A stop or disarm: whatever was pending is dropped.</summary>
    public void Clear() => _pending = null;
}
