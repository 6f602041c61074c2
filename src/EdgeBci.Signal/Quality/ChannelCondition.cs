namespace EdgeBci.Signal.Quality;

/// <summary>
/// A channel's verdict as one small value, for consumers on the per-window path (the decoder, the focus meter, the
/// supervisor's masks) that must not read strings. Ordered: everything from <see cref="NoVerdict"/> on is unusable.
/// </summary>
public enum ChannelCondition : byte
{
    /// <summary>Usable.</summary>
    Good,

    /// <summary>Carries signal, but an artefact (mains, muscle, a blink) dominates it for now.</summary>
    Noisy,

    /// <summary>No window has been judged yet (start-up, after a reset).</summary>
    NoVerdict,

    /// <summary>
    /// Good (or noisy), but not yet for the whole hold-off since switch-on or since it was last bad
    /// (<see cref="IChannelConditions.SettlingFrom"/> says which).
    /// </summary>
    Settling,

    /// <summary>Less than the flat-line RMS in the broadband band (no power to speak of in any band).</summary>
    FlatLine,

    /// <summary>The raw input repeats exactly the same value (a switched-off channel, a zero stream).</summary>
    Constant,

    /// <summary>At the converter's rail.</summary>
    Railed,

    /// <summary>The chip's lead-off comparator reports the electrode off.</summary>
    LeadOff,
}

/// <summary>Per-channel conditions as the signal stage judges them, in device channel order.</summary>
public interface IChannelConditions
{
    int Channels { get; }

    /// <summary>The channel's condition now; allocates nothing.</summary>
    ChannelCondition Get(int channel);

    /// <summary>
    /// What the channel was last found bad with (<see cref="ChannelCondition.Railed"/>, <see cref="ChannelCondition.Constant"/>,
    /// <see cref="ChannelCondition.FlatLine"/>, <see cref="ChannelCondition.LeadOff"/>), or <see cref="ChannelCondition.NoVerdict"/>
    /// when it has not been bad since switch-on (or a stream restart): why a <see cref="ChannelCondition.Settling"/>
    /// channel is settling. Allocates nothing.
    /// </summary>
    ChannelCondition SettlingFrom(int channel);
}

public static class ChannelConditions
{
    /// <summary>True for the conditions a decoder must not classify and the supervisor must not arm on.</summary>
    public static bool IsUnusable(this ChannelCondition condition) => condition >= ChannelCondition.NoVerdict;

    /// <summary>The condition in the words of the quality log and the decoder's rejections: "railed", "settling", "flat line".</summary>
    public static string Describe(this ChannelCondition condition) => condition switch
    {
        ChannelCondition.Good => "good",
        ChannelCondition.Noisy => "noisy",
        ChannelCondition.NoVerdict => "no verdict yet",
        ChannelCondition.Settling => "settling",
        ChannelCondition.FlatLine => "flat line",
        ChannelCondition.Constant => "constant",
        ChannelCondition.Railed => "railed",
        ChannelCondition.LeadOff => "lead-off",
        _ => condition.ToString(),
    };

    /// <summary>
    /// Why a channel is settling, from <see cref="IChannelConditions.SettlingFrom"/>: "since switch-on" or "after railed".
    /// A constant string per value (no allocation).
    /// </summary>
    public static string DescribeSettling(this ChannelCondition settlingFrom) => settlingFrom switch
    {
        ChannelCondition.FlatLine => "after flat line",
        ChannelCondition.Constant => "after constant",
        ChannelCondition.Railed => "after railed",
        ChannelCondition.LeadOff => "after lead-off",
        _ => SinceSwitchOn,
    };

    /// <summary>Why a channel that has not been bad since switch-on (or a stream restart) is settling.</summary>
    public const string SinceSwitchOn = "since switch-on";
}

/// <summary>
/// The conditions one thread judged (the signal stage, after each block), for other threads (the decoder) to read
/// without locks or allocation. Each channel (its condition and what it settles from, packed in one int) is read and
/// written whole; channels published together may be seen a block apart, which only ever delays a verdict by one block.
/// </summary>
public sealed class PublishedChannelConditions : IChannelConditions
{
    private const int SettlingFromShift = 8;

    private readonly int[] _conditions;

    /// <param name="channels">Channels per frame; every channel starts at <see cref="ChannelCondition.NoVerdict"/>.</param>
    public PublishedChannelConditions(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        _conditions = new int[channels];
        Array.Fill(_conditions, Pack(ChannelCondition.NoVerdict, ChannelCondition.NoVerdict));
    }

    public int Channels => _conditions.Length;

    public ChannelCondition Get(int channel) => (ChannelCondition)(Volatile.Read(ref _conditions[channel]) & 0xFF);

    public ChannelCondition SettlingFrom(int channel) => (ChannelCondition)(Volatile.Read(ref _conditions[channel]) >> SettlingFromShift);

    /// <summary>Copies every channel's condition from <paramref name="source"/> (the publishing thread only).</summary>
    public void Publish(IChannelConditions source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Channels != _conditions.Length)
        {
            throw new ArgumentException($"{source.Channels} channels published into a board of {_conditions.Length}.", nameof(source));
        }

        for (var c = 0; c < _conditions.Length; c++)
        {
            Volatile.Write(ref _conditions[c], Pack(source.Get(c), source.SettlingFrom(c)));
        }
    }

    private static int Pack(ChannelCondition condition, ChannelCondition settlingFrom) => (int)condition | ((int)settlingFrom << SettlingFromShift);
}
