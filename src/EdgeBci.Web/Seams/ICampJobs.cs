namespace EdgeBci.Web.Seams;

/// <summary>
/// The training camp's runs on the unit, one at a time: a cued calibration session (then training and the acceptance
/// gate) or a neurofeedback session (a baseline, then focus training).
/// </summary>
public interface ICampJobs
{
    /// <exception cref="CampBusyException">A run is already going.</exception>
    /// <exception cref="ArgumentException">The wearer id is not valid (named).</exception>
    CampRun StartCalibration(string wearerId);

    /// <exception cref="CampBusyException">A run is already going.</exception>
    /// <exception cref="ArgumentException">The wearer id or a duration is not valid (named).</exception>
    CampRun StartNeurofeedback(string wearerId, NeurofeedbackRequest request);

    /// <summary>Ends the current run early; a cancelled run is recorded as not completed.</summary>
    void CancelCurrent();

    /// <summary>The running run, or the last one that finished; null before the first.</summary>
    CampRun? Current { get; }

    /// <summary>Cue, progress, focus, verdict and end events for the page's stream. Handlers must be quick and must not throw.</summary>
    event Action<CampEvent>? Event;
}

public sealed record NeurofeedbackRequest(double BaselineSeconds = 60, double SessionSeconds = 600, bool Tone = false);

/// <param name="Kind">"calibration" or "neurofeedback".</param>
/// <param name="State">"baseline", "running", "training", "passed", "refused", "completed", "cancelled" or "failed".</param>
/// <param name="Detail">Plain words: what is happening, or why it ended as it did.</param>
public sealed record CampRun(string RunId, string Kind, string WearerId, string State, DateTimeOffset Started, string? Detail);

/// <summary>One event on the page's stream.</summary>
/// <param name="Type">"cue", "progress", "focus", "verdict" or "ended".</param>
/// <param name="Data">A small record serialized as JSON (shapes in the page's API description).</param>
public sealed record CampEvent(string Type, object Data);

public sealed class CampBusyException : InvalidOperationException
{
    public CampBusyException()
    {
    }

    public CampBusyException(string message)
        : base(message)
    {
    }

    public CampBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
