namespace EdgeBci.Control.Actuators.Simulated;

/// <summary><c>simulated-wheelchair</c>: unicycle kinematics with the real platform's limits; no bus.</summary>
public sealed class SimulatedWheelchairRegistration : ActuatorRegistration
{
    public override string Name => ActuatorKinds.SimulatedWheelchair;

    public override string Platform => "simulated wheelchair";

    public override bool IsHand => false;

    public override bool IsSimulated => true;

    public override IActuator Create(ActuatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SimulatedWheelchair(context.Options, context.Time);
    }
}
