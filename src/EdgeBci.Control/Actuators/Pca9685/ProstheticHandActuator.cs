namespace EdgeBci.Control.Actuators.Pca9685;

/// <summary>
/// A prosthetic hand: one hobby servo per joint on a PCA9685 at 50 Hz. A grip command moves every joint toward the
/// pattern's position within its limits, no faster than its rate limit, a step per command; neutral holds every joint
/// where it is (neither opening, which would drop what the hand holds, nor closing further). Until the first movement
/// the outputs stay full off: the servos' real positions are unknown at switch-on and nothing moves then. On dispose
/// the hand holds, then every output goes full off and the oscillator sleeps (no pulses: the servos stop driving).
/// </summary>
public sealed class ProstheticHandActuator : ActuatorBase
{
    private readonly Pca9685Device _pwm;
    private readonly HandModel _model;
    private readonly bool _shouldDispose;
    private TimeSpan? _lastStep;
    private bool _energized;

    public ProstheticHandActuator(Pca9685Device pwm, HandOptions options, CommandLimits limits, TimeSpan heartbeatTimeout, TimeProvider time, bool shouldDispose = true)
        : base(limits, heartbeatTimeout, time)
    {
        ArgumentNullException.ThrowIfNull(pwm);
        ArgumentNullException.ThrowIfNull(options);
        _pwm = pwm;
        _model = new HandModel(options.EffectiveJoints);
        _shouldDispose = shouldDispose;
        lock (Gate)
        {
            if (!pwm.IsInitialized)
            {
                pwm.Initialize(options.PwmFrequencyHz);
            }
        }
    }

    public override string Kind => ActuatorKinds.ProstheticHand;

    public HandModel Model => _model;

    /// <summary>The servos receive pulses (after the first movement, until dispose).</summary>
    public bool Energized => _energized;

    protected override void WriteCommand(ActuatorCommand command)
    {
        if (command.Grip is not { } grip)
        {
            throw new ActuatorException("A hand moves to grip patterns; it has no linear or turn command.");
        }

        var now = Now;
        var elapsed = _lastStep is { } last ? now - last : TimeSpan.Zero;
        _lastStep = now;
        _model.SetTarget(grip);
        if (_model.Step(elapsed) || !_energized)
        {
            WritePositions();
            _energized = true;
        }
    }

    protected override void WriteNeutral()
    {
        _model.Hold();
        _lastStep = null;
        if (_energized)
        {
            WritePositions();
        }
        else
        {
            _pwm.SetAllFullOff();
        }
    }

    protected override void WriteShutdown()
    {
        _model.Hold();
        _pwm.Sleep();
    }

    protected override void ReleaseDevice()
    {
        if (_shouldDispose)
        {
            _pwm.Dispose();
        }
    }

    private void WritePositions()
    {
        for (var i = 0; i < _model.Joints.Count; i++)
        {
            _pwm.SetPulseWidth(_model.Joints[i].Channel, _model.PulseMicroseconds(i));
        }
    }
}
