using System.Device.I2c;

namespace EdgeBci.Control.Actuators.Pca9685;

/// <summary><c>prosthetic-hand</c>: one servo per joint on a PCA9685 on I2C.</summary>
public sealed class ProstheticHandRegistration : ActuatorRegistration
{
    public override string Name => ActuatorKinds.ProstheticHand;

    public override string Platform => "prosthetic hand";

    public override bool IsHand => true;

    public override bool IsSimulated => false;

    public override IActuator Create(ActuatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hand = context.Options.Hand;
        var device = context.Buses.OpenI2c(new I2cConnectionSettings(hand.I2cBus, hand.Address));
        return new ProstheticHandActuator(new Pca9685Device(device), hand, context.Limits, context.Options.HeartbeatTimeout, context.Time);
    }
}
