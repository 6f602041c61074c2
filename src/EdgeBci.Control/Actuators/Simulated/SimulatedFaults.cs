namespace EdgeBci.Control.Actuators.Simulated;

/// <summary>Faults a simulated platform can be told to have, for tests and demonstrations.</summary>
public sealed class SimulatedFaults
{
    /// <summary>The platform stops acknowledging commands (as a motor controller that went silent).</summary>
    public bool StopAcknowledging { get; set; }

    /// <summary>Every non-neutral command throws (as a bus error while writing).</summary>
    public bool ThrowOnApply { get; set; }

    /// <summary>Neutral throws too (a platform that cannot even be stopped through this path).</summary>
    public bool ThrowOnNeutral { get; set; }
}
