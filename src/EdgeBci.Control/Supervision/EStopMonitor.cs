using System.Device.Gpio;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// The e-stop's one or two channels as one reading, without GPIO or threads (<see cref="GpioSafetyInputs"/> serialises
/// every call). The e-stop reads closed only while every channel reads closed, no opening edge is waiting to be reported
/// and no discrepancy is latched. Openings are never filtered: a channel that opens for a moment is an opening (the
/// hardware cut in series with the enable acts on it too). The window only tells contact timing and bounce from a wiring
/// fault: two channels that disagree for longer than it latch a discrepancy, and only both channels reading open together
/// (a real press) clears it, so a channel stuck closed (shorted to 3V3, a welded contact) cannot hide behind the other.
/// </summary>
internal sealed class EStopMonitor
{
    private readonly int _firstPin;
    private readonly int _secondPin;
    private readonly bool _secondNormallyOpen;
    private readonly TimeSpan _window;
    private TimeSpan? _disagreeingSince;
    private bool _openingNotReported;

    /// <param name="firstPin">The first channel, high while the loop is closed.</param>
    /// <param name="secondPin">The second channel, or -1 for a single-channel e-stop.</param>
    /// <param name="secondContact">One of <see cref="EStopContacts"/>: how the second channel reads while closed.</param>
    /// <param name="window">How long two channels may disagree (contact timing, bounce) before that is a fault.</param>
    public EStopMonitor(int firstPin, int secondPin, string secondContact, TimeSpan window)
    {
        if (secondContact is not (EStopContacts.NormallyClosed or EStopContacts.NormallyOpen))
        {
            throw new ArgumentException($"the e-stop's second contact '{secondContact}' is not {EStopContacts.NormallyClosed} or {EStopContacts.NormallyOpen}", nameof(secondContact));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        _firstPin = firstPin;
        _secondPin = secondPin;
        _secondNormallyOpen = secondContact == EStopContacts.NormallyOpen;
        _window = window;
    }

    public bool HasSecondChannel => _secondPin >= 0;

    /// <summary>The latched discrepancy ("e-stop channels disagree: ..."), or null.</summary>
    public string? Discrepancy { get; private set; }

    /// <summary>The edge that opens <paramref name="pin"/>'s channel: rising on a normally-open second channel, falling otherwise.</summary>
    public PinEventTypes OpeningEdge(int pin) => pin == _secondPin && _secondNormallyOpen ? PinEventTypes.Rising : PinEventTypes.Falling;

    /// <summary>An edge from the GPIO driver; true when it opens a channel, and then the e-stop reads open until a tick reported it.</summary>
    public bool OnEdge(int pin, PinEventTypes change)
    {
        if ((pin != _firstPin && (pin != _secondPin || _secondPin < 0)) || (change & OpeningEdge(pin)) == 0)
        {
            return false;
        }

        _openingNotReported = true;
        return true;
    }

    /// <summary>The levels read at a tick (<paramref name="second"/> is ignored with one channel); true when the e-stop reads closed.</summary>
    public bool Update(PinValue first, PinValue second, TimeSpan now)
    {
        var firstClosed = first == PinValue.High;
        var secondClosed = !HasSecondChannel || second == (_secondNormallyOpen ? PinValue.Low : PinValue.High);
        if (firstClosed == secondClosed)
        {
            _disagreeingSince = null;
            if (!firstClosed)
            {
                Discrepancy = null;
            }
        }
        else if (_disagreeingSince is not { } since)
        {
            _disagreeingSince = now;
        }
        else if (Discrepancy is null && now - since > _window)
        {
            Discrepancy = Describe(firstClosed, now - since);
        }

        var closed = firstClosed && secondClosed && Discrepancy is null && !_openingNotReported;
        _openingNotReported = false;
        return closed;
    }

    private string Describe(bool firstClosed, TimeSpan duration) => ControlOptions.Invariant(
        $"e-stop channels disagree for {duration.TotalMilliseconds:0} ms (the contact window is {_window.TotalMilliseconds:0} ms): GPIO {_firstPin} reads {Reading(firstClosed)}, GPIO {_secondPin} ({(_secondNormallyOpen ? EStopContacts.NormallyOpen : EStopContacts.NormallyClosed)} contact) reads {Reading(!firstClosed)}; a broken wire, a line shorted to 3V3 or a failed contact (hardware/estop.md). The e-stop reads open until both channels have read open together (press it) and then closed.");

    private static string Reading(bool closed) => closed ? "closed" : "open";
}
