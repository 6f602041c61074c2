using EdgeBci.Signal.Quality;

namespace EdgeBci.Decoding.Live;

/// <summary>Where the decoder reads channel quality: the signal stage's conditions, in device channel order, and the device channels' names.</summary>
/// <param name="Conditions">Per device channel, read at every window (any thread that publishes them safely).</param>
/// <param name="DeviceChannels">The device channels' names, in the order of <paramref name="Conditions"/>.</param>
public sealed record QualitySource(IChannelConditions Conditions, IReadOnlyList<string> DeviceChannels);

/// <summary>
/// Decides, before a window is classified, whether every device channel the model needs is usable; if not, says which
/// and why ("rejected: C3 railed", "rejected: C3 settling (since switch-on)", "rejected: C3 settling (after railed)").
/// A bipolar model channel ("C3-Cz") needs both electrodes. The reasons are built once, per channel and condition
/// (and, for a settling channel, per condition it settles from), so a window allocates nothing.
/// </summary>
public sealed class ChannelQualityGate
{
    private static readonly ChannelCondition[] Conditions = Enum.GetValues<ChannelCondition>();

    private readonly IChannelConditions _conditions;
    private readonly int[] _devices;
    private readonly string[][] _reasons;
    private readonly string[][] _settlingReasons;

    /// <param name="source">The conditions and the device channels' names.</param>
    /// <param name="modelChannels">The model's channels (chain output names: an electrode, or "A-B" for a bipolar pair).</param>
    /// <exception cref="ArgumentException">A model channel names an electrode that is not a device channel.</exception>
    public ChannelQualityGate(QualitySource source, IReadOnlyList<string> modelChannels)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(modelChannels);
        if (source.Conditions.Channels != source.DeviceChannels.Count)
        {
            throw new ArgumentException($"{source.Conditions.Channels} channel conditions for {source.DeviceChannels.Count} device channels.", nameof(source));
        }

        _conditions = source.Conditions;
        var devices = new List<int>();
        foreach (var channel in modelChannels)
        {
            foreach (var electrode in channel.Split('-', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var index = IndexOf(source.DeviceChannels, electrode);
                if (index < 0)
                {
                    throw new ArgumentException(
                        $"The model channel '{channel}' needs electrode '{electrode}', which is not a device channel ({string.Join(", ", source.DeviceChannels)}).",
                        nameof(modelChannels));
                }

                if (!devices.Contains(index))
                {
                    devices.Add(index);
                }
            }
        }

        _devices = [.. devices];
        _reasons = new string[_devices.Length][];
        _settlingReasons = new string[_devices.Length][];
        for (var i = 0; i < _devices.Length; i++)
        {
            var name = source.DeviceChannels[_devices[i]];
            _reasons[i] = new string[Conditions.Length];
            _settlingReasons[i] = new string[Conditions.Length];
            foreach (var condition in Conditions)
            {
                _reasons[i][(int)condition] = $"rejected: {name} {condition.Describe()}";
                _settlingReasons[i][(int)condition] = $"rejected: {name} {ChannelCondition.Settling.Describe()} ({condition.DescribeSettling()})";
            }
        }
    }

    /// <summary>The device channels the model needs.</summary>
    public IReadOnlyList<int> DeviceChannels => _devices;

    /// <summary>
    /// Null when every needed channel is usable; else the first unusable one's reason, e.g. "rejected: C3 railed",
    /// "rejected: C3 settling (since switch-on)". No allocation.
    /// </summary>
    public string? Check()
    {
        for (var i = 0; i < _devices.Length; i++)
        {
            var condition = _conditions.Get(_devices[i]);
            if (condition == ChannelCondition.Settling)
            {
                return _settlingReasons[i][(int)_conditions.SettlingFrom(_devices[i])];
            }

            if (condition.IsUnusable())
            {
                return _reasons[i][(int)condition];
            }
        }

        return null;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var c = 0; c < names.Count; c++)
        {
            if (string.Equals(names[c].Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return c;
            }
        }

        return -1;
    }
}
