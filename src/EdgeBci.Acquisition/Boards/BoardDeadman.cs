namespace EdgeBci.Acquisition.Boards;

/// <summary>
/// The actuator's enable ("deadman") path of a board (hardware/deadman.md): a retriggerable monostable that holds the
/// actuator's enable while <see cref="PulseLine"/> keeps toggling and drops it <see cref="TimeoutMs"/> after the last
/// rising edge, or at once when <see cref="ClearLine"/> goes low. Lines are offsets on the board's gpiochip (the one
/// labelled in gpio.chipLabels); on the emulator they are lines of the emulated actuator board and the timeout is the
/// one the emulated circuit models.
/// </summary>
/// <remarks>
/// No computed properties here: the strict reader would take their camelCase names as known keys and skip them silently
/// (a profile saying "timeout" must be refused, not ignored).
/// </remarks>
public sealed record BoardDeadman(int PulseLine, int ClearLine, int TimeoutMs)
{
    /// <summary>The longest timeout a profile may give: the enable must be gone within 100 ms of the last pulse.</summary>
    public const int MaximumTimeoutMs = 100;

    /// <summary>The shortest: a few ticks of the supervisor's loop must fit in it.</summary>
    public const int MinimumTimeoutMs = 20;

    /// <summary>Every problem, each naming its key (deadman.pulseLine, ...).</summary>
    internal IEnumerable<(string Key, string Problem)> Problems()
    {
        if (PulseLine < 0)
        {
            yield return ("pulseLine", $"deadman.pulseLine = {PulseLine} is not a GPIO line; the deadman's pulse line must be wired (a line offset, 0 or more)");
        }

        if (ClearLine < -1)
        {
            yield return ("clearLine", $"deadman.clearLine = {ClearLine} is not a GPIO line; use a line offset, or -1 when CLR is tied high");
        }
        else if (ClearLine == PulseLine)
        {
            yield return ("clearLine", $"deadman.clearLine = {ClearLine} is the pulse line too; the clear line must be a line of its own (or -1)");
        }

        if (TimeoutMs is < MinimumTimeoutMs or > MaximumTimeoutMs)
        {
            yield return ("timeoutMs", $"deadman.timeoutMs = {TimeoutMs} is out of range {MinimumTimeoutMs}..{MaximumTimeoutMs} (the enable must drop within 100 ms of the last pulse)");
        }
    }
}
