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

    /// <summary>Was bad and looks good again, but not yet for the whole hold-off.</summary>
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
}

/// <summary>
/// The conditions one thread judged (the signal stage, after each block), for other threads (the decoder) to read
/// without locks or allocation. Each channel is read and written whole; channels published together may be seen a
/// block apart, which only ever delays a verdict by one block.
/// </summary>
public sealed class PublishedChannelConditions : IChannelConditions
{
    private readonly int[] _conditions;

    /// <param name="channels">Channels per frame; every channel starts at <see cref="ChannelCondition.NoVerdict"/>.</param>
    public PublishedChannelConditions(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        _conditions = new int[channels];
        Array.Fill(_conditions, (int)ChannelCondition.NoVerdict);
    }

    public int Channels => _conditions.Length;

    public ChannelCondition Get(int channel) => (ChannelCondition)Volatile.Read(ref _conditions[channel]);

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
            Volatile.Write(ref _conditions[c], (int)source.Get(c));
        }
    }
}
