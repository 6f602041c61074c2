namespace EdgeBci.Control.Actuators.DifferentialDrive;

/// <summary><c>differential-drive</c>: a wheelchair's motor controller taking a PWM duty and a direction line per wheel.</summary>
public sealed class DifferentialDriveRegistration : ActuatorRegistration
{
    public override string Name => ActuatorKinds.DifferentialDrive;

    public override string Platform => "wheelchair";

    public override bool IsHand => false;

    public override bool IsSimulated => false;

    public override void ValidateOptions(ControlOptions options, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.DifferentialDrive.Validate($"{ControlOptions.Section}:{nameof(ControlOptions.DifferentialDrive)}", options.MaxSpeed, errors);
    }

    public override IActuator Create(ActuatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var drive = context.Options.DifferentialDrive;
        var left = context.Buses.OpenPwm(drive.PwmChip, drive.LeftPwmChannel, drive.PwmFrequencyHz);
        var right = context.Buses.OpenPwm(drive.PwmChip, drive.RightPwmChannel, drive.PwmFrequencyHz);
        var gpio = context.Buses.OpenGpio();
        var pins = new DifferentialDrivePins(drive.LeftDirectionPin, drive.RightDirectionPin, drive.EnablePin);
        return new DifferentialDriveActuator(left, right, gpio, pins, drive, context.Limits, context.Options.HeartbeatTimeout, context.Time);
    }
}
