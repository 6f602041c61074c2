using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Quality;

/// <summary>
/// Per-channel power in each of a set of frequency bands over a sliding window, updated every sample: the feature
/// behind band-power classifiers and the alpha/theta displays.
/// <para>
/// Each band has one fixed-point Butterworth band-pass (order 2, i.e. two sections) over all channels. Its output is
/// squared exactly in 64 bits and kept in a preallocated circular buffer per band and channel, with a 128-bit running
/// sum: adding the newest square and subtracting the one that leaves the window is exact, so the sum never drifts
/// and never needs re-summing, and a stream cut into any blocks produces bit for bit the state of one batch call.
/// Only <see cref="GetPower"/> and <see cref="GetRelativePower"/> leave integers, at the edge where a person or a
/// classifier reads the number.
/// </para>
/// <para>Single-threaded: one acquisition or processing thread calls <see cref="Process"/> and the getters.</para>
/// </summary>
public sealed class BandPowerMeter
{
    /// <summary>Butterworth prototype order of each band-pass (four poles: flat in band, 24 dB/octave skirts).</summary>
    public const int FilterOrder = 2;

    // Blocks are filtered through a scratch of this many frames, so any block length works without allocating.
    private const int ChunkFrames = 64;

    private readonly FrequencyBand[] _bands;
    private readonly BiquadCascadeQ31[] _filters;
    private readonly int[] _scratch;

    // Squared band-passed samples, per band and channel a circular window: index ((band * channels) + channel) * window + slot.
    private readonly long[] _squares;

    // Exact sum of each window of squares, per band and channel.
    private readonly Int128[] _sums;
    private readonly double _microvoltsSquaredPerQ31Squared;
    private int _slot;
    private int _filled;

    /// <param name="channels">Channels per interleaved frame.</param>
    /// <param name="sampleRate">Samples per second per channel.</param>
    /// <param name="bands">The bands to measure; every upper edge must lie below Nyquist.</param>
    /// <param name="windowSeconds">Length of the averaging window (rounded to whole samples).</param>
    /// <param name="microvoltsPerQ31">Input-referred microvolts of one Q31 step: the count LSB / 2^8 (0.02235 / 256 at gain 24).</param>
    public BandPowerMeter(int channels, double sampleRate, IReadOnlyList<FrequencyBand> bands, double windowSeconds, double microvoltsPerQ31)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentNullException.ThrowIfNull(bands);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSeconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microvoltsPerQ31);
        if (bands.Count == 0)
        {
            throw new ArgumentException("At least one band is needed.", nameof(bands));
        }

        var window = (int)Math.Round(windowSeconds * sampleRate);
        if (window < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSeconds), windowSeconds, "The window is shorter than one sample.");
        }

        Channels = channels;
        SampleRate = sampleRate;
        WindowSamples = window;
        _bands = [.. bands];
        _filters = new BiquadCascadeQ31[_bands.Length];
        for (var b = 0; b < _bands.Length; b++)
        {
            var band = _bands[b] ?? throw new ArgumentException("A band is null.", nameof(bands));
            if (band.LowHz <= 0 || band.HighHz >= sampleRate / 2)
            {
                throw new ArgumentException(
                    $"Band {band} does not fit between 0 Hz and Nyquist ({sampleRate / 2} Hz) at {sampleRate} SPS.", nameof(bands));
            }

            _filters[b] = new BiquadCascadeQ31(Butterworth.BandPass(FilterOrder, band.LowHz, band.HighHz, sampleRate), channels);
        }

        _scratch = new int[ChunkFrames * channels];
        _squares = new long[_bands.Length * channels * window];
        _sums = new Int128[_bands.Length * channels];
        _microvoltsSquaredPerQ31Squared = microvoltsPerQ31 * microvoltsPerQ31;
    }

    public int Channels { get; }

    public double SampleRate { get; }

    public IReadOnlyList<FrequencyBand> Bands => _bands;

    /// <summary>Samples per channel the power is averaged over once the window has filled.</summary>
    public int WindowSamples { get; }

    /// <summary>Samples per channel currently in the window (less than <see cref="WindowSamples"/> only at the start).</summary>
    public int FilledSamples => _filled;

    /// <summary>
    /// Adds an interleaved block of whole frames of Q31 samples (counts &lt;&lt; 8). Any block length, including
    /// zero; no allocation.
    /// </summary>
    public void Process(ReadOnlySpan<int> block)
    {
        if (block.Length % Channels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {Channels} channels; {block.Length} samples is not one.", nameof(block));
        }

        var window = WindowSamples;
        for (var offset = 0; offset < block.Length; offset += _scratch.Length)
        {
            var chunk = block.Slice(offset, Math.Min(_scratch.Length, block.Length - offset));
            var frames = chunk.Length / Channels;
            var scratch = _scratch.AsSpan(0, chunk.Length);
            for (var b = 0; b < _bands.Length; b++)
            {
                chunk.CopyTo(scratch);
                _filters[b].Process(scratch);
                Accumulate(b, scratch, frames);
            }

            _slot = (_slot + frames) % window;
            _filled = Math.Min(window, _filled + frames);
        }
    }

    /// <summary>Mean square of the band-passed signal over the window, per channel, in µV².</summary>
    public void GetPower(int band, Span<double> perChannel)
    {
        CheckBand(band);
        CheckDestination(perChannel);
        var sums = _sums.AsSpan(band * Channels, Channels);
        for (var c = 0; c < Channels; c++)
        {
            perChannel[c] = _filled == 0 ? 0 : (double)sums[c] / _filled * _microvoltsSquaredPerQ31Squared;
        }
    }

    /// <summary>
    /// Each channel's power in <paramref name="band"/> as a fraction of its summed power over all bands (0 when there
    /// is no power at all). Independent of electrode impedance and amplifier gain, which scale every band alike.
    /// </summary>
    public void GetRelativePower(int band, Span<double> perChannel)
    {
        CheckBand(band);
        CheckDestination(perChannel);
        for (var c = 0; c < Channels; c++)
        {
            Int128 total = 0;
            for (var b = 0; b < _bands.Length; b++)
            {
                total += _sums[(b * Channels) + c];
            }

            perChannel[c] = total == 0 ? 0 : (double)_sums[(band * Channels) + c] / (double)total;
        }
    }

    /// <summary>
    /// The exact integer state behind <see cref="GetPower"/>: the sum of squared Q31 band-passed samples in the
    /// window. Lets a check compare two runs (streaming against batch, x86 against arm64) without any rounding.
    /// </summary>
    public Int128 SumOfSquares(int band, int channel)
    {
        CheckBand(band);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Channels);
        return _sums[(band * Channels) + channel];
    }

    /// <summary>Forgets all history: filter states, window and sums (after a gap in the stream, for instance).</summary>
    public void Reset()
    {
        foreach (var filter in _filters)
        {
            filter.Reset();
        }

        Array.Clear(_squares);
        Array.Clear(_sums);
        _slot = 0;
        _filled = 0;
    }

    private void Accumulate(int band, ReadOnlySpan<int> filtered, int frames)
    {
        var window = WindowSamples;
        for (var c = 0; c < Channels; c++)
        {
            var index = (band * Channels) + c;
            var squares = _squares.AsSpan(index * window, window);
            var sum = _sums[index];
            var slot = _slot;
            for (var f = 0; f < frames; f++)
            {
                long value = filtered[(f * Channels) + c];
                var square = value * value;
                sum += square - squares[slot];
                squares[slot] = square;
                if (++slot == window)
                {
                    slot = 0;
                }
            }

            _sums[index] = sum;
        }
    }

    private void CheckBand(int band)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(band);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(band, _bands.Length);
    }

    private void CheckDestination(Span<double> perChannel)
    {
        if (perChannel.Length < Channels)
        {
            throw new ArgumentException($"The destination holds {perChannel.Length} values; {Channels} channels need room.", nameof(perChannel));
        }
    }
}
