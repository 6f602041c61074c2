namespace EdgeBci.Control.Supervision;

/// <summary>
/// How the e-stop's second channel (<see cref="ControlOptions.EStopSecondContact"/>) reads while the e-stop is released
/// and its loop closed. See hardware/estop.md for the wiring of each.
/// </summary>
public static class EStopContacts
{
    /// <summary>Reads like the first channel: high while the loop is closed, low (or a broken wire) when pressed.</summary>
    public const string NormallyClosed = "nc";

    /// <summary>Reads the opposite of the first channel: low while the loop is closed, high when pressed.</summary>
    public const string NormallyOpen = "no";
}
