namespace EdgeBci.Control.Actuators.Simulated;

/// <summary><c>simulated-hand</c>: the prosthetic hand's joint model without hardware.</summary>
public sealed class SimulatedHandRegistration : ActuatorRegistration
{
    public override string Name => ActuatorKinds.SimulatedHand;

    public override string Platform => "simulated hand";

    public override bool IsHand => true;

    public override bool IsSimulated => true;

    public override EStopRule EStopRule => EStopRule.None;

    public override IReadOnlyDictionary<string, string> DefaultPolicy() => DefaultPolicies.Hand();

    public override void ValidateOptions(ControlOptions options, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Hand.Validate($"{ControlOptions.Section}:{nameof(ControlOptions.Hand)}", errors);
    }

    public override IActuator Create(ActuatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SimulatedHand(context.Options, context.Time);
    }
}
