namespace EdgeBci.Firmware;

/// <summary>
/// Whether a verified model runs and its decisions may be acted on (the supervisor's "model verified" and "decoder
/// healthy" preconditions), which model that is, and which one waits to take over.
/// </summary>
/// <param name="ModelVerified">
/// A model passed every check at load and every window's output so far was a probability distribution. False with no
/// model, or once the running model's output was not probabilities (<paramref name="Reason"/> says which window and why).
/// </param>
/// <param name="Healthy">The decoding stage runs.</param>
/// <param name="Reason">Why not verified or not healthy (null while both hold).</param>
/// <param name="ModelId">Id of the model running now (null without one): what the supervisor was armed with.</param>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Staged">A model verified, warmed up and waiting for the supervisor to be disarmed ("id version (precision)"), or null.</param>
internal readonly record struct DecoderStatus(bool ModelVerified, bool Healthy, string? Reason, string? ModelId = null, string? ModelVersion = null,
    string? Staged = null)
{
    /// <summary>One line for the operator: the model and whether it may be acted on, and what is staged.</summary>
    public string Describe()
    {
        var state = (ModelVerified, Healthy) switch
        {
            (true, true) => $"model {ModelId} {ModelVersion} verified",
            (false, _) => $"model not verified: {Reason ?? "unknown"}",
            _ => $"decoder not healthy: {Reason ?? "unknown"}",
        };
        return Staged is null ? state : $"{state}; {Staged} staged, takes effect when disarmed";
    }
}

/// <summary>A model loaded, staged, swapped in, refused or faulted, for the events topic.</summary>
/// <param name="Kind">loaded, staged, swapped, refused or faulted.</param>
/// <param name="ModelId">The model now running when the change put one in place (loaded, swapped); null otherwise.</param>
internal sealed record ModelChange(string Kind, string Message, string? ModelId, string? ModelVersion);

/// <summary>One second of the decoding stage: windows decoded in it, in all, DRDY-to-decision percentiles (ms, NaN without decisions), gaps so far.</summary>
internal sealed record DecoderSecond(long Windows, long TotalWindows, double LatencyP50Milliseconds, double LatencyP99Milliseconds, long Gaps);
