using EdgeBci.Signal.Quality;

namespace EdgeBci.Decoding.Live;

/// <summary>
/// A continuous 0..1 focus score from the balance of fast and slow rhythms: per channel
/// <c>r = P_beta / (P_alpha + P_theta)</c> over the last <see cref="FocusOptions.WindowSeconds"/>, mapped to
/// <c>r / (1 + r) = P_beta / (P_theta + P_alpha + P_beta)</c>, averaged over the chosen channels, then smoothed
/// exponentially (<c>s ← (1 − λ)·s + λ·score</c>, updated every <c>updateSeconds</c>); <see cref="IsFocused"/> is the
/// smoothed score at or above the threshold. Relaxed, eyes-closed alpha pulls it down; alert beta pushes it up.
/// <para>
/// <b>Feed it the broadband stream</b>: the raw counts left-aligned to Q31 (counts &lt;&lt; 8) at the chip's rate,
/// one value per device channel per frame, as the signal stage holds them before the chain filters that buffer in
/// place (the block the quality monitor reads). The decoder's chain band-passes 8-30 Hz, which removes theta and
/// would make the ratio meaningless; the meter's own Butterworth band-passes (theta 4-8, alpha 8-13, beta 13-30 Hz)
/// separate the bands and reject the DC offset.
/// </para>
/// <para>
/// <b>Only good channels.</b> Given the signal stage's channel conditions, a channel counts only while it is good
/// (not noisy, not settling after a fault, not dead): muscle noise would pass for beta, and a dead channel for anything.
/// When no chosen channel is good the score is NaN (unknown, not a number to act on), and the smoothing starts afresh
/// when one is good again.
/// </para>
/// <para>Single-threaded: the thread that calls <see cref="Process"/> owns it; other threads may read <see cref="Score"/>.</para>
/// </summary>
public sealed class FocusMeter
{
    private const int Theta = 0;
    private const int Alpha = 1;
    private const int Beta = 2;

    private readonly BandPowerMeter _meter;
    private readonly int[] _channels;
    private readonly double[][] _power;
    private readonly double _smoothing;
    private readonly double _threshold;
    private readonly int _updateFrames;
    private readonly IChannelConditions? _quality;
    private int _untilUpdate;
    private double _score = double.NaN;

    /// <param name="channelNames">The device channels of a raw frame, in frame order.</param>
    /// <param name="sampleRate">The chip's data rate.</param>
    /// <param name="microvoltsPerQ31">Microvolts of one Q31 step (µV per count / 2^8).</param>
    /// <param name="options">Window, smoothing, threshold and the channels to average (all when empty).</param>
    /// <param name="updateSeconds">How often the score is recomputed and smoothed (the decoder's hop, typically).</param>
    /// <param name="quality">Conditions of the same device channels; only good ones count. Null: every chosen channel counts.</param>
    /// <exception cref="ArgumentException">A focus channel is not among <paramref name="channelNames"/>, or a setting is out of range.</exception>
    public FocusMeter(IReadOnlyList<string> channelNames, double sampleRate, double microvoltsPerQ31, FocusOptions options, double updateSeconds = 0.25,
        IChannelConditions? quality = null)
    {
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(updateSeconds);
        if (quality is not null && quality.Channels != channelNames.Count)
        {
            throw new ArgumentException($"{quality.Channels} channel conditions for {channelNames.Count} device channels.", nameof(quality));
        }

        _quality = quality;
        _meter = new BandPowerMeter(channelNames.Count, sampleRate, [FrequencyBand.Theta, FrequencyBand.Alpha, FrequencyBand.Beta],
            options.WindowSeconds, microvoltsPerQ31);
        _channels = Resolve(channelNames, options.Channels);
        _power = [new double[channelNames.Count], new double[channelNames.Count], new double[channelNames.Count]];
        _smoothing = options.Smoothing;
        _threshold = options.Threshold;
        _updateFrames = Math.Max(1, (int)Math.Round(updateSeconds * sampleRate, MidpointRounding.AwayFromZero));
        _untilUpdate = _updateFrames;
    }

    /// <summary>Channels per raw frame.</summary>
    public int Channels => _meter.Channels;

    /// <summary>Frames between two score updates.</summary>
    public int UpdateFrames => _updateFrames;

    /// <summary>The smoothed score, 0..1; NaN until the band-power window has filled once, and while no chosen channel is good.</summary>
    public double Score => Volatile.Read(ref _score);

    /// <summary>The unsmoothed score of the last update; NaN until the window has filled.</summary>
    public double InstantScore { get; private set; } = double.NaN;

    /// <summary>True when the window has filled and the score is meaningful.</summary>
    public bool IsReady => !double.IsNaN(Score);

    /// <summary>Smoothed score at or above the threshold.</summary>
    public bool IsFocused => Score >= _threshold;

    /// <summary>Adds an interleaved block of raw Q31 frames (counts &lt;&lt; 8), any length. No allocation.</summary>
    public void Process(ReadOnlySpan<int> rawQ31)
    {
        var channels = _meter.Channels;
        if (rawQ31.Length % channels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {channels} channels; {rawQ31.Length} values is not one.", nameof(rawQ31));
        }

        // Split at update boundaries, so the scores do not depend on how the stream was cut into blocks.
        var frames = rawQ31.Length / channels;
        var offset = 0;
        while (offset < frames)
        {
            var take = Math.Min(_untilUpdate, frames - offset);
            _meter.Process(rawQ31.Slice(offset * channels, take * channels));
            offset += take;
            _untilUpdate -= take;
            if (_untilUpdate == 0)
            {
                _untilUpdate = _updateFrames;
                Update();
            }
        }
    }

    /// <summary>Forgets everything (after a gap in the stream or an electrode change).</summary>
    public void Reset()
    {
        _meter.Reset();
        _untilUpdate = _updateFrames;
        InstantScore = double.NaN;
        Volatile.Write(ref _score, double.NaN);
    }

    private void Update()
    {
        if (_meter.FilledSamples < _meter.WindowSamples)
        {
            return;
        }

        _meter.GetPower(Theta, _power[Theta]);
        _meter.GetPower(Alpha, _power[Alpha]);
        _meter.GetPower(Beta, _power[Beta]);
        var sum = 0.0;
        var counted = 0;
        foreach (var c in _channels)
        {
            if (_quality is not null && _quality.Get(c) != ChannelCondition.Good)
            {
                continue;
            }

            var total = _power[Theta][c] + _power[Alpha][c] + _power[Beta][c];
            // A flat channel (no power in any band) says nothing about focus.
            if (total > 0)
            {
                sum += _power[Beta][c] / total;
                counted++;
            }
        }

        if (counted == 0)
        {
            InstantScore = double.NaN;
            Volatile.Write(ref _score, double.NaN);
            return;
        }

        var instant = sum / counted;
        InstantScore = instant;
        var previous = _score;
        Volatile.Write(ref _score, double.IsNaN(previous) ? instant : ((1 - _smoothing) * previous) + (_smoothing * instant));
    }

    private static int[] Resolve(IReadOnlyList<string> names, string[] wanted)
    {
        if (wanted.Length == 0)
        {
            return [.. Enumerable.Range(0, names.Count)];
        }

        var indices = new int[wanted.Length];
        for (var i = 0; i < wanted.Length; i++)
        {
            indices[i] = -1;
            for (var c = 0; c < names.Count; c++)
            {
                if (string.Equals(names[c].Trim(), wanted[i].Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    indices[i] = c;
                    break;
                }
            }

            if (indices[i] < 0)
            {
                throw new ArgumentException(
                    $"{DecodingOptions.Section}:{DecodingOptions.FocusKey}:Channels names '{wanted[i]}', which is not a device channel ({string.Join(", ", names)}).",
                    nameof(wanted));
            }
        }

        return indices;
    }
}
