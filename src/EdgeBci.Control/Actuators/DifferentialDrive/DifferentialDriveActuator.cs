using System.Device.Gpio;
using System.Device.Pwm;

namespace EdgeBci.Control.Actuators.DifferentialDrive;

/// <summary>The motor controller's lines: one direction line per wheel, and an optional enable (-1 when not wired).</summary>
public sealed record DifferentialDrivePins(int LeftDirection, int RightDirection, int Enable = -1);

/// <summary>
/// A wheelchair driven wheel by wheel: a PWM duty per wheel (speed) and a direction line per wheel (high = forward,
/// unless that motor is mounted inverted), through a motor controller. Unicycle to wheels: v_left = v − ω·W/2,
/// v_right = v + ω·W/2, duty = |v_wheel| / speed at full duty. A wheel that reverses is brought to duty 0 before its
/// direction line flips. Neutral is duty 0 on both wheels and, when wired, enable low (the controller brakes).
/// </summary>
public sealed class DifferentialDriveActuator : ActuatorBase
{
    private readonly PwmChannel _left;
    private readonly PwmChannel _right;
    private readonly GpioController _gpio;
    private readonly DifferentialDrivePins _pins;
    private readonly DifferentialDriveOptions _options;
    private readonly bool _shouldDispose;
    private bool _leftForward = true;
    private bool _rightForward = true;

    public DifferentialDriveActuator(PwmChannel left, PwmChannel right, GpioController gpio, DifferentialDrivePins pins,
        DifferentialDriveOptions options, CommandLimits limits, TimeSpan heartbeatTimeout, TimeProvider time, bool shouldDispose = true)
        : base(limits, heartbeatTimeout, time)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(options);
        _left = left;
        _right = right;
        _gpio = gpio;
        _pins = pins;
        _options = options;
        _shouldDispose = shouldDispose;
        lock (Gate)
        {
            // Switch-on: brakes on and both duties zero before the PWM runs.
            if (pins.Enable >= 0)
            {
                gpio.OpenPin(pins.Enable, PinMode.Output, PinValue.Low);
            }

            gpio.OpenPin(pins.LeftDirection, PinMode.Output, DirectionLevel(forward: true, _options.InvertLeft));
            gpio.OpenPin(pins.RightDirection, PinMode.Output, DirectionLevel(forward: true, _options.InvertRight));
            left.DutyCycle = 0;
            right.DutyCycle = 0;
            left.Start();
            right.Start();
        }
    }

    public override string Kind => ActuatorKinds.DifferentialDrive;

    /// <summary>Wheel speeds (m/s, forward positive) for a command.</summary>
    public (double Left, double Right) WheelSpeeds(ActuatorCommand command)
    {
        var half = command.TurnRate * _options.TrackWidth / 2;
        return (command.LinearSpeed - half, command.LinearSpeed + half);
    }

    protected override void WriteCommand(ActuatorCommand command)
    {
        if (command.Grip is not null)
        {
            throw new ActuatorException("A differential drive has no grip.");
        }

        var (left, right) = WheelSpeeds(command);
        var leftDuty = Duty(left);
        var rightDuty = Duty(right);
        SetWheel(_left, _pins.LeftDirection, _options.InvertLeft, ref _leftForward, left >= 0, leftDuty);
        SetWheel(_right, _pins.RightDirection, _options.InvertRight, ref _rightForward, right >= 0, rightDuty);
        if (_pins.Enable >= 0)
        {
            _gpio.Write(_pins.Enable, leftDuty > 0 || rightDuty > 0 ? PinValue.High : PinValue.Low);
        }
    }

    protected override void WriteNeutral()
    {
        // Every line is attempted even if one fails; the first failure is reported.
        Exception? first = null;
        Try(() => _left.DutyCycle = 0, ref first);
        Try(() => _right.DutyCycle = 0, ref first);
        if (_pins.Enable >= 0)
        {
            Try(() => _gpio.Write(_pins.Enable, PinValue.Low), ref first);
        }

        if (first is not null)
        {
            throw new ActuatorException("Could not drive every line of the differential drive neutral.", first);
        }
    }

    protected override void WriteShutdown()
    {
        WriteNeutral();
        _left.Stop();
        _right.Stop();
    }

    protected override void ReleaseDevice()
    {
        if (_shouldDispose)
        {
            _left.Dispose();
            _right.Dispose();
            _gpio.Dispose();
        }
    }

    private double Duty(double wheelSpeed) => Math.Clamp(Math.Abs(wheelSpeed) / _options.WheelSpeedAtFullDuty, 0, 1);

    private void SetWheel(PwmChannel channel, int directionPin, bool inverted, ref bool currentForward, bool forward, double duty)
    {
        if (duty > 0 && forward != currentForward)
        {
            channel.DutyCycle = 0;
            _gpio.Write(directionPin, DirectionLevel(forward, inverted));
            currentForward = forward;
        }

        channel.DutyCycle = duty;
    }

    private static PinValue DirectionLevel(bool forward, bool inverted) => forward != inverted ? PinValue.High : PinValue.Low;

    private static void Try(Action write, ref Exception? first)
    {
        try
        {
            write();
        }
#pragma warning disable CA1031 // Collected and rethrown once every line was tried.
        catch (Exception error)
#pragma warning restore CA1031
        {
            first ??= error;
        }
    }
}
