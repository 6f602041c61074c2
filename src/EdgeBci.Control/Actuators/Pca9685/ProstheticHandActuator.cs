namespace EdgeBci.Control.Actuators.Pca9685;

/// <summary>
/// A prosthetic hand: one hobby servo per joint on a PCA9685 at 50 Hz. A grip command moves every joint toward the
/// pattern's position within its limits, no faster than its rate limit, a step per command; neutral holds every joint
/// where it is (neither opening, which would drop what the hand holds, nor closing further). Until the first movement
/// the outputs stay full off: the servos' real positions are unknown at switch-on and nothing moves then. On dispose
/// the hand holds, then every output goes full off and the oscillator sleeps (no pulses: the servos stop driving).
/// <para>
/// Acknowledgement is read-back: after every command and every neutral the joints' LEDn registers are read in one
/// auto-increment transaction and compared with what was written; only a match acknowledges. A register that did not
/// take its value (a bit error on the bus, a chip that reset to its power-on state) or a failed read is not
/// acknowledged, so the supervisor's ActuatorNoAck rule stops; each is counted in <see cref="ReadBackFailures"/> and
/// described (joint, register, written and read bytes) in <see cref="LastReadBackFailure"/>.
/// </para>
/// </summary>
public sealed class ProstheticHandActuator : ActuatorBase
{
    private readonly Pca9685Device _pwm;
    private readonly HandModel _model;
    private readonly bool _shouldDispose;
    private readonly int _firstChannel;
    private readonly byte[] _expected;
    private readonly byte[] _readBack;
    private TimeSpan? _lastStep;
    private bool _energized;
    private bool _verified;
    private int _readBackFailures;
    private string? _lastReadBackFailure;

    public ProstheticHandActuator(Pca9685Device pwm, HandOptions options, CommandLimits limits, TimeSpan heartbeatTimeout, TimeProvider time, bool shouldDispose = true)
        : base(limits, heartbeatTimeout, time)
    {
        ArgumentNullException.ThrowIfNull(pwm);
        ArgumentNullException.ThrowIfNull(options);
        _pwm = pwm;
        _model = new HandModel(options.EffectiveJoints);
        _shouldDispose = shouldDispose;
        var first = Pca9685Registers.Channels;
        var last = -1;
        foreach (var joint in _model.Joints)
        {
            first = Math.Min(first, joint.Channel);
            last = Math.Max(last, joint.Channel);
        }

        _firstChannel = first;
        _readBack = new byte[4 * (last - first + 1)];
        _expected = new byte[4 * _model.Joints.Count];
        lock (Gate)
        {
            if (!pwm.IsInitialized)
            {
                pwm.Initialize(options.PwmFrequencyHz);
            }

            // Initialization turned every output full off.
            ExpectAllFullOff();
        }
    }

    public override string Kind => ActuatorKinds.ProstheticHand;

    public HandModel Model => _model;

    /// <summary>The servos receive pulses (after the first movement, until dispose).</summary>
    public bool Energized => _energized;

    /// <summary>Commands and neutrals whose read-back did not match what was written, or could not be read.</summary>
    public int ReadBackFailures
    {
        get
        {
            lock (Gate)
            {
                return _readBackFailures;
            }
        }
    }

    /// <summary>What the last failed read-back found: the joint, its register, the bytes written and read; or the read's error.</summary>
    public string? LastReadBackFailure
    {
        get
        {
            lock (Gate)
            {
                return _lastReadBackFailure;
            }
        }
    }

    /// <summary>The last write read back as written.</summary>
    protected override bool Acknowledges => _verified;

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
        _verified = false;
        if (_model.Step(elapsed) || !_energized)
        {
            WritePositions();
            _energized = true;
        }

        _verified = ReadBack();
    }

    protected override void WriteNeutral()
    {
        _model.Hold();
        _lastStep = null;
        _verified = false;
        if (_energized)
        {
            WritePositions();
        }
        else
        {
            _pwm.SetAllFullOff();
            ExpectAllFullOff();
        }

        _verified = ReadBack();
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
            var off = Pca9685Registers.Counts(_model.PulseMicroseconds(i), _pwm.Prescale);
            _pwm.SetCounts(_model.Joints[i].Channel, 0, off);
            Expect(i, 0, 0, (byte)off, (byte)(off >> 8));
        }
    }

    private void ExpectAllFullOff()
    {
        for (var i = 0; i < _model.Joints.Count; i++)
        {
            Expect(i, 0, 0, 0, Pca9685Registers.FullBit);
        }
    }

    private void Expect(int joint, byte onLow, byte onHigh, byte offLow, byte offHigh)
    {
        var at = 4 * joint;
        _expected[at] = onLow;
        _expected[at + 1] = onHigh;
        _expected[at + 2] = offLow;
        _expected[at + 3] = offHigh;
    }

    /// <summary>Every joint's four LEDn registers as expected; a mismatch or a failed read is counted and described.</summary>
    private bool ReadBack()
    {
        try
        {
            _pwm.ReadChannels(_firstChannel, _readBack);
        }
        catch (IOException error)
        {
            return ReadBackFailed($"{Kind}: reading back the LEDn registers from LED{_firstChannel} failed: {error.Message}");
        }

        for (var i = 0; i < _model.Joints.Count; i++)
        {
            var channel = _model.Joints[i].Channel;
            var expected = _expected.AsSpan(4 * i, 4);
            var read = _readBack.AsSpan(4 * (channel - _firstChannel), 4);
            if (!read.SequenceEqual(expected))
            {
                return ReadBackFailed(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{Kind}: joint {_model.Joints[i].Name} (LED{channel}, registers 0x{(int)Pca9685Registers.LedOnLow(channel):X2}..) wrote {Convert.ToHexString(expected)}, read back {Convert.ToHexString(read)}"));
            }
        }

        return true;
    }

    private bool ReadBackFailed(string description)
    {
        _readBackFailures++;
        _lastReadBackFailure = description;
        return false;
    }
}
