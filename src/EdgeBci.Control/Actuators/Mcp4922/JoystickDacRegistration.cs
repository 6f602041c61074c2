using System.Device.Spi;

namespace EdgeBci.Control.Actuators.Mcp4922;

/// <summary><c>joystick-dac</c>: a wheelchair driven through its joystick port by an MCP4922 on SPI.</summary>
public sealed class JoystickDacRegistration : ActuatorRegistration
{
    public override string Name => ActuatorKinds.JoystickDac;

    public override string Platform => "wheelchair";

    public override bool IsHand => false;

    public override bool IsSimulated => false;

    public override void ValidateOptions(ControlOptions options, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Joystick.Validate($"{ControlOptions.Section}:{nameof(ControlOptions.Joystick)}", errors);
    }

    public override IActuator Create(ActuatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var joystick = context.Options.Joystick;
        var spi = context.Buses.OpenSpi(new SpiConnectionSettings(joystick.SpiBus, joystick.ChipSelect)
        {
            Mode = SpiMode.Mode0,
            ClockFrequency = joystick.ClockHz,
            DataBitLength = 8,
            DataFlow = DataFlow.MsbFirst,
        });
        var gpio = joystick.LdacPin >= 0 ? context.Buses.OpenGpio() : null;
        return new JoystickDacActuator(new Mcp4922Device(spi, gpio, joystick.LdacPin), joystick, context.Limits, context.Options.HeartbeatTimeout, context.Time);
    }
}
