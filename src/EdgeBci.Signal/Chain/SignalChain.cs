using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Referencing;
using EdgeBci.Signal.Resampling;

namespace EdgeBci.Signal.Chain;

/// <summary>
/// Raw ADS1299 counts in, the decoder's input out, in fixed point and sample by sample as it runs on the unit:
/// counts left-aligned to Q31, DC blocker, mains notch, the configured Butterworth stages (one cascade, all channels
/// per call), re-referencing, then rational resampling to the model's rate. The same object serves the firmware, the
/// offline `edgebci filter` command and training, so all three see bit-identical output.
/// </summary>
public sealed class SignalChain
{
    private readonly BiquadCascadeQ31 _cascade;
    private readonly Rereferencer _rereferencer;
    private readonly PolyphaseResamplerQ31? _resampler;
    private readonly int _maximumBlockFrames;
    private readonly int[] _filtered;
    private readonly int[] _referenced;

    private SignalChain(IReadOnlyList<Biquad> sections, IReadOnlyList<string> stages, Rereferencer rereferencer, int channels, int inputRate, int outputRate, int maximumBlockFrames)
    {
        InputChannels = channels;
        InputRate = inputRate;
        OutputRate = outputRate;
        Stages = stages;
        _cascade = new BiquadCascadeQ31(sections, channels);
        _rereferencer = rereferencer;
        _resampler = outputRate == inputRate ? null : new PolyphaseResamplerQ31(inputRate, outputRate, rereferencer.OutputChannels);
        _maximumBlockFrames = maximumBlockFrames;
        _filtered = new int[maximumBlockFrames * channels];
        _referenced = new int[maximumBlockFrames * rereferencer.OutputChannels];
    }

    public int InputChannels { get; }

    public int OutputChannels => _rereferencer.OutputChannels;

    public int InputRate { get; }

    public int OutputRate { get; }

    /// <summary>What the chain does, stage by stage, for the start-up log.</summary>
    public IReadOnlyList<string> Stages { get; }

    /// <summary>The IIR sections as designed (double) and as the Q31 cascade holds them.</summary>
    public IReadOnlyList<Biquad> QuantisedSections => _cascade.QuantisedSections;

    public int PostShift => _cascade.PostShift;

    /// <summary>Output frames a call with <paramref name="inputFrames"/> frames can produce at most.</summary>
    public int MaximumOutputFrames(int inputFrames) => _resampler?.MaximumOutputFrames(inputFrames) ?? inputFrames;

    /// <summary>Builds the chain the options describe; throws <see cref="ArgumentException"/> naming every bad key.</summary>
    public static SignalChain Create(SignalOptions options, IReadOnlyList<string> channelNames, int sampleRate, int maximumBlockFrames = 256)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumBlockFrames, 1);
        var errors = new List<string>(options.Validate(sampleRate));
        Rereferencer? rereferencer = null;
        try
        {
            rereferencer = Rereferencer.Parse(options.Reference, channelNames);
        }
        catch (ArgumentException exception)
        {
            errors.Add($"{SignalOptions.Section}:Reference = '{options.Reference}': {exception.Message}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }

        var (sections, stages) = Design(options, sampleRate);
        var outputRate = options.OutputRate == 0 ? sampleRate : options.OutputRate;
        if (outputRate != sampleRate)
        {
            stages.Add($"resample {sampleRate} -> {outputRate} Hz (polyphase FIR)");
        }

        if (!string.Equals(options.Reference, "none", StringComparison.OrdinalIgnoreCase))
        {
            stages.Insert(stages.Count - (outputRate != sampleRate ? 1 : 0), $"re-reference: {options.Reference}");
        }

        return new SignalChain(sections, stages, rereferencer!, channelNames.Count, sampleRate, outputRate, maximumBlockFrames);
    }

    /// <summary>The IIR sections of the chain, in order, and a description of each stage.</summary>
    public static (List<Biquad> Sections, List<string> Stages) Design(SignalOptions options, double sampleRate)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sections = new List<Biquad>();
        var stages = new List<string>();
        if (options.DcBlockerHz > 0)
        {
            sections.Add(DcBlocker.Design(options.DcBlockerHz, sampleRate));
            stages.Add($"DC blocker {options.DcBlockerHz} Hz");
        }

        if (options.NotchHz > 0)
        {
            sections.AddRange(Notch.WithHarmonics(options.NotchHz, options.NotchHarmonics, options.NotchQ, sampleRate));
            stages.Add($"notch {options.NotchHz} Hz Q {options.NotchQ}" + (options.NotchHarmonics > 0 ? $" + {options.NotchHarmonics} harmonics" : string.Empty));
        }

        var filters = options.EffectiveFilters;
        foreach (var filter in filters)
        {
            sections.AddRange(filter.Type.ToUpperInvariant() switch
            {
                "HIGHPASS" => Butterworth.HighPass(filter.Order, filter.LowHz, sampleRate),
                "LOWPASS" => Butterworth.LowPass(filter.Order, filter.HighHz, sampleRate),
                "BANDSTOP" => Butterworth.BandStop(filter.Order, filter.LowHz, filter.HighHz, sampleRate),
                _ => Butterworth.BandPass(filter.Order, filter.LowHz, filter.HighHz, sampleRate),
            });
            stages.Add($"Butterworth {filter}");
        }

        return (sections, stages);
    }

    /// <summary>
    /// Runs interleaved 24-bit counts (frames × <see cref="InputChannels"/>) through the chain; writes Q31 output
    /// frames (× <see cref="OutputChannels"/>) and returns how many. State carries over, so any split of a stream
    /// into blocks gives the same output. Allocates nothing.
    /// </summary>
    public int Process(ReadOnlySpan<int> counts, Span<int> output)
    {
        if (counts.Length % InputChannels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {InputChannels} channels; {counts.Length} samples is not one.", nameof(counts));
        }

        var written = 0;
        var frames = counts.Length / InputChannels;
        for (var start = 0; start < frames; start += _maximumBlockFrames)
        {
            var chunk = Math.Min(_maximumBlockFrames, frames - start);
            var filtered = _filtered.AsSpan(0, chunk * InputChannels);
            var source = counts.Slice(start * InputChannels, chunk * InputChannels);
            for (var i = 0; i < source.Length; i++)
            {
                filtered[i] = source[i] << Q31.CountShift;
            }

            written += FilterAndResample(filtered, chunk, output[(written * OutputChannels)..]);
        }

        return written;
    }

    /// <summary>
    /// As <see cref="Process"/>, for a caller that already holds the block left-aligned to Q31 (counts &lt;&lt; 8, as
    /// the signal-quality monitor takes it): the block is filtered in place, which saves converting it twice.
    /// </summary>
    public int ProcessLeftAligned(Span<int> q31, Span<int> output)
    {
        if (q31.Length % InputChannels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {InputChannels} channels; {q31.Length} samples is not one.", nameof(q31));
        }

        var written = 0;
        var frames = q31.Length / InputChannels;
        for (var start = 0; start < frames; start += _maximumBlockFrames)
        {
            var chunk = Math.Min(_maximumBlockFrames, frames - start);
            written += FilterAndResample(q31.Slice(start * InputChannels, chunk * InputChannels), chunk, output[(written * OutputChannels)..]);
        }

        return written;
    }

    private int FilterAndResample(Span<int> block, int frames, Span<int> output)
    {
        _cascade.Process(block);
        var referenced = _referenced.AsSpan(0, frames * OutputChannels);
        _rereferencer.Process(block, referenced, frames);
        if (_resampler is null)
        {
            referenced.CopyTo(output);
            return frames;
        }

        return _resampler.Process(referenced, output);
    }
}
