namespace EdgeBci.Control.Actuators.Simulated;

/// <summary>Where the simulated chair is and what it is doing.</summary>
/// <param name="X">Position (m), x forward at start.</param>
/// <param name="Y">Position (m), y to the left at start.</param>
/// <param name="Heading">Heading (rad), counter-clockwise from x.</param>
/// <param name="Speed">Linear speed (m/s).</param>
/// <param name="TurnRate">Turn rate (rad/s).</param>
/// <param name="Distance">Distance travelled (m).</param>
public readonly record struct WheelchairState(double X, double Y, double Heading, double Speed, double TurnRate, double Distance)
{
    public bool IsMoving => Speed != 0 || TurnRate != 0;
}

/// <summary>
/// A wheelchair in unicycle kinematics (ẋ = v cos θ, ẏ = v sin θ, θ̇ = ω) with the same limits as the real platform:
/// it speeds up no faster than the configured acceleration ramps and, when its command goes neutral, brakes at the
/// platform's fastest deceleration. Time comes from the <see cref="TimeProvider"/>: the chair moves between commands,
/// so a test advancing a fake clock sees exactly what a real chair would do.
/// </summary>
public sealed class SimulatedWheelchair : ActuatorBase
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(1);

    private readonly ControlOptions _options;
    private TimeSpan _simulated;
    private ActuatorCommand _command;
    private WheelchairState _state;

    public SimulatedWheelchair(ControlOptions options, TimeProvider time)
        : base(CommandLimits.From(options), options.HeartbeatTimeout, time)
    {
        _options = options;
        _simulated = Now;
    }

    public override string Kind => ActuatorKinds.SimulatedWheelchair;

    public SimulatedFaults Faults { get; } = new();

    /// <summary>The chair's state now (integrated up to the clock's present).</summary>
    public WheelchairState State
    {
        get
        {
            lock (Gate)
            {
                Advance();
                return _state;
            }
        }
    }

    /// <summary>The command the chair is following.</summary>
    public ActuatorCommand Command
    {
        get
        {
            lock (Gate)
            {
                return _command;
            }
        }
    }

    protected override bool Acknowledges => !Faults.StopAcknowledging;

    protected override void WriteCommand(ActuatorCommand command)
    {
        if (command.Grip is not null)
        {
            throw new ActuatorException("A wheelchair has no grip.");
        }

        if (Faults.ThrowOnApply)
        {
            throw new ActuatorException("simulated bus error while writing the command");
        }

        Advance();
        _command = command;
    }

    protected override void WriteNeutral()
    {
        Advance();
        _command = ActuatorCommand.Neutral;
        if (Faults.ThrowOnNeutral)
        {
            throw new ActuatorException("simulated bus error while writing neutral");
        }
    }

    private void Advance()
    {
        var now = Now;
        while (_simulated < now)
        {
            var step = now - _simulated < Step ? now - _simulated : Step;
            Integrate(step.TotalSeconds);
            _simulated += step;
        }
    }

    private void Integrate(double dt)
    {
        var speed = Supervision.MotionShaper.Ramp(_state.Speed, _command.LinearSpeed, _options.Acceleration * dt, _options.PlatformMaxDeceleration * dt);
        var turn = Supervision.MotionShaper.Ramp(_state.TurnRate, _command.TurnRate, _options.AngularAcceleration * dt, _options.PlatformMaxAngularDeceleration * dt);
        var meanSpeed = (speed + _state.Speed) / 2;
        var meanTurn = (turn + _state.TurnRate) / 2;
        var heading = _state.Heading + (meanTurn * dt);
        var midHeading = (heading + _state.Heading) / 2;
        _state = new WheelchairState(
            _state.X + (meanSpeed * Math.Cos(midHeading) * dt),
            _state.Y + (meanSpeed * Math.Sin(midHeading) * dt),
            heading,
            speed,
            turn,
            _state.Distance + (Math.Abs(meanSpeed) * dt));
    }
}
