namespace EdgeBci.Control.Actuators.Mcp4922;

/// <summary>
/// Wheelchair joystick emulation: the MCP4922's channel A is the forward/back axis (Y), channel B the left/right axis
/// (X), both at the centre voltage when the stick is at rest. Forward raises Y, reverse lowers it; a left turn lowers X
/// (the stick pushed left), a right turn raises it. The deflection is the command over the chair's speed (turn rate) at
/// full deflection, so the chair's own controller, programmed with that full-scale speed, drives at the commanded
/// speed. Neutral is the centre voltage on both axes: on <see cref="ActuatorBase.Neutral"/>, on any exception, on
/// dispose and when the heartbeat stops. The chair's controller brakes at its own deceleration when the stick centres.
/// <para>
/// The MCP4922 has no read path: the acknowledgement here means the SPI transfer completed, not that VOUTA/VOUTB carry
/// the voltages (a broken MOSI line or an unpowered DAC still acknowledge). An ADC loop-back of both outputs (e.g. an
/// MCP3202 on the same bus, CH0 on VOUTA, CH1 on VOUTB) compared after each write would close that gap; see the
/// Control README.
/// </para>
/// </summary>
public sealed class JoystickDacActuator : ActuatorBase
{
    private readonly Mcp4922Device _dac;
    private readonly JoystickDacOptions _options;
    private readonly bool _shouldDispose;

    public JoystickDacActuator(Mcp4922Device dac, JoystickDacOptions options, CommandLimits limits, TimeSpan heartbeatTimeout, TimeProvider time, bool shouldDispose = true)
        : base(limits, heartbeatTimeout, time)
    {
        ArgumentNullException.ThrowIfNull(dac);
        ArgumentNullException.ThrowIfNull(options);
        _dac = dac;
        _options = options;
        _shouldDispose = shouldDispose;
        CentreCode = Mcp4922Device.CodeFor(options.CentreVolts, options.ReferenceVolts);
        lock (Gate)
        {
            // Switch-on: the stick is centred before anything else happens.
            WriteNeutral();
        }
    }

    public override string Kind => ActuatorKinds.JoystickDac;

    public int CentreCode { get; }

    /// <summary>Channel A (Y, forward) and B (X, right) codes for a command.</summary>
    public (int Y, int X) Codes(ActuatorCommand command)
    {
        var forward = Math.Clamp(command.LinearSpeed / _options.FullScaleSpeed, -1, 1);
        var right = Math.Clamp(-command.TurnRate / _options.FullScaleTurnRate, -1, 1);
        var y = Mcp4922Device.CodeFor(_options.CentreVolts + (forward * _options.SpanVolts), _options.ReferenceVolts);
        var x = Mcp4922Device.CodeFor(_options.CentreVolts + (right * _options.SpanVolts), _options.ReferenceVolts);
        return (y, x);
    }

    protected override void WriteCommand(ActuatorCommand command)
    {
        if (command.Grip is not null)
        {
            throw new ActuatorException("A wheelchair joystick has no grip.");
        }

        var (y, x) = Codes(command);
        _dac.WriteBoth(y, x);
    }

    protected override void WriteNeutral() => _dac.WriteBoth(CentreCode, CentreCode);

    protected override void ReleaseDevice()
    {
        if (_shouldDispose)
        {
            _dac.Dispose();
        }
    }
}
