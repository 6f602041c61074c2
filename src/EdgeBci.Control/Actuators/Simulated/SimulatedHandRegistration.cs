namespace EdgeBci.Control.Actuators.Simulated;

/// <summary><c>simulated-hand</c>: the prosthetic hand's joint model without hardware.</summary>
public sealed class SimulatedHandRegistration : ActuatorRegistration
{
    public override string Name => ActuatorKinds.SimulatedHand;

    public override string Platform => "simulated hand";

    public override bool IsHand => true;

    public override bool IsSimulated => true;

    public override IActuator Create(ActuatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SimulatedHand(context.Options, context.Time);
    }
}
