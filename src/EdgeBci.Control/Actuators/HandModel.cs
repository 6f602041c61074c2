namespace EdgeBci.Control.Actuators;

/// <summary>Per-joint targets of each <see cref="GripPattern"/> (0 extended, 1 flexed), before the joint limits.</summary>
public static class HandPatterns
{
    public static double Position(GripPattern pattern, string joint)
    {
        var thumb = string.Equals(joint, "thumb", StringComparison.OrdinalIgnoreCase);
        var index = string.Equals(joint, "index", StringComparison.OrdinalIgnoreCase);
        return pattern switch
        {
            GripPattern.Open => 0,
            GripPattern.Close => thumb ? 0.8 : 1.0,
            GripPattern.Pinch => thumb ? 0.7 : index ? 0.8 : 0,
            GripPattern.Rest => 0.3,
            _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, "Not a grip pattern."),
        };
    }
}

/// <summary>
/// The hand's joints as the drivers move them: targets from a grip pattern within each joint's limits, approached at
/// each joint's rate limit. The servos have no position feedback, so the model starts from an assumed posture
/// (<see cref="GripPattern.Rest"/>) and <see cref="Moved"/> tells whether any position was ever commanded.
/// </summary>
public sealed class HandModel
{
    /// <summary>A step after a stall moves as if at most this much time had passed.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromMilliseconds(50);

    private readonly HandJointOptions[] _joints;
    private readonly double[] _positions;
    private readonly double[] _targets;

    public HandModel(IReadOnlyList<HandJointOptions> joints)
    {
        ArgumentNullException.ThrowIfNull(joints);
        _joints = [.. joints];
        _positions = new double[_joints.Length];
        _targets = new double[_joints.Length];
        for (var i = 0; i < _joints.Length; i++)
        {
            _positions[i] = Limit(i, HandPatterns.Position(GripPattern.Rest, _joints[i].Name));
            _targets[i] = _positions[i];
        }
    }

    public IReadOnlyList<HandJointOptions> Joints => _joints;

    public IReadOnlyList<double> Positions => _positions;

    public IReadOnlyList<double> Targets => _targets;

    /// <summary>The pattern being moved to; null while holding.</summary>
    public GripPattern? Grip { get; private set; }

    /// <summary>Some joint position was commanded since start-up (before that, the outputs stay off).</summary>
    public bool Moved { get; private set; }

    public bool AtTarget
    {
        get
        {
            for (var i = 0; i < _positions.Length; i++)
            {
                if (_positions[i] != _targets[i])
                {
                    return false;
                }
            }

            return true;
        }
    }

    public void SetTarget(GripPattern pattern)
    {
        Grip = pattern;
        for (var i = 0; i < _joints.Length; i++)
        {
            _targets[i] = Limit(i, HandPatterns.Position(pattern, _joints[i].Name));
        }
    }

    /// <summary>Stop every joint where it is.</summary>
    public void Hold()
    {
        Grip = null;
        Array.Copy(_positions, _targets, _positions.Length);
    }

    /// <summary>Moves each joint toward its target by at most its rate × <paramref name="elapsed"/>; true if any moved.</summary>
    public bool Step(TimeSpan elapsed)
    {
        var seconds = Math.Clamp(elapsed.TotalSeconds, 0, MaxStep.TotalSeconds);
        var moved = false;
        for (var i = 0; i < _joints.Length; i++)
        {
            var delta = _targets[i] - _positions[i];
            if (delta == 0)
            {
                continue;
            }

            var step = _joints[i].MaxRatePerSecond * seconds;
            _positions[i] = Math.Abs(delta) <= step ? _targets[i] : _positions[i] + Math.CopySign(step, delta);
            moved = true;
        }

        Moved |= moved;
        return moved;
    }

    /// <summary>Servo pulse of joint <paramref name="joint"/> at its current position (µs).</summary>
    public double PulseMicroseconds(int joint)
    {
        var options = _joints[joint];
        return options.OpenPulseUs + (_positions[joint] * (options.ClosedPulseUs - options.OpenPulseUs));
    }

    private double Limit(int joint, double position) => Math.Clamp(position, _joints[joint].MinPosition, _joints[joint].MaxPosition);
}
