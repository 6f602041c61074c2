namespace EdgeBci.Control.Actuators.Simulated;

/// <summary>
/// A prosthetic hand without hardware: the same joint model, limits and rate limits as
/// <see cref="Pca9685.ProstheticHandActuator"/>, reporting each joint's position and the grip being moved to.
/// </summary>
public sealed class SimulatedHand : ActuatorBase
{
    private readonly HandModel _model;
    private TimeSpan? _lastStep;

    public SimulatedHand(ControlOptions options, TimeProvider time)
        : base(CommandLimits.From(options), options.HeartbeatTimeout, time)
    {
        _model = new HandModel(options.Hand.EffectiveJoints);
    }

    public override string Kind => ActuatorKinds.SimulatedHand;

    public SimulatedFaults Faults { get; } = new();

    public IReadOnlyList<string> JointNames => [.. _model.Joints.Select(joint => joint.Name)];

    /// <summary>Joint positions now (0 extended, 1 flexed).</summary>
    public IReadOnlyList<double> Positions
    {
        get
        {
            lock (Gate)
            {
                return [.. _model.Positions];
            }
        }
    }

    /// <summary>The pattern being moved to; null while holding.</summary>
    public GripPattern? Grip
    {
        get
        {
            lock (Gate)
            {
                return _model.Grip;
            }
        }
    }

    public bool AtTarget
    {
        get
        {
            lock (Gate)
            {
                return _model.AtTarget;
            }
        }
    }

    protected override bool Acknowledges => !Faults.StopAcknowledging;

    protected override void WriteCommand(ActuatorCommand command)
    {
        if (command.Grip is not { } grip)
        {
            throw new ActuatorException("A hand moves to grip patterns; it has no linear or turn command.");
        }

        if (Faults.ThrowOnApply)
        {
            throw new ActuatorException("simulated bus error while writing the command");
        }

        var now = Now;
        var elapsed = _lastStep is { } last ? now - last : TimeSpan.Zero;
        _lastStep = now;
        _model.SetTarget(grip);
        _model.Step(elapsed);
    }

    protected override void WriteNeutral()
    {
        _model.Hold();
        _lastStep = null;
        if (Faults.ThrowOnNeutral)
        {
            throw new ActuatorException("simulated bus error while writing neutral");
        }
    }
}
