using System.Text;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Referencing;

/// <summary>
/// Changes the reference of interleaved Q31 EEG frames. The ADS1299 measures every channel against one shared
/// electrode (SRB), whose own activity then shows up in every channel; a common average removes what all channels
/// share, and bipolar derivations (C3 − Cz) keep only the local difference motor-imagery decoders look at.
/// </summary>
/// <remarks>
/// Integer arithmetic in 64 bits and saturation to Q31 on the way out, so the result is bit-identical on every
/// platform and a difference of two near-full-scale channels clips instead of flipping sign. Stateless per frame,
/// so block boundaries do not matter; <see cref="Process"/> allocates nothing.
/// </remarks>
public sealed class Rereferencer
{
    private readonly Mode mode;
    private readonly int[] positives;
    private readonly int[] negatives;

    private Rereferencer(Mode mode, int inputChannels, int[] positives, int[] negatives, string description)
    {
        this.mode = mode;
        InputChannels = inputChannels;
        this.positives = positives;
        this.negatives = negatives;
        Description = description;
        OutputChannels = mode == Mode.Bipolar ? positives.Length : inputChannels;
    }

    private enum Mode
    {
        Identity,
        CommonAverage,
        Bipolar,
    }

    public int InputChannels { get; }

    public int OutputChannels { get; }

    /// <summary>What the rereferencer does, in the configuration's terms ("none", "average", "bipolar:0-2,1-2").</summary>
    public string Description { get; }

    /// <summary>Copies frames through unchanged: the recording keeps the hardware reference.</summary>
    public static Rereferencer Identity(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        return new Rereferencer(Mode.Identity, channels, [], [], "none");
    }

    /// <summary>
    /// Common average reference: each channel minus the mean of all channels in its frame. The mean is the 64-bit sum
    /// divided by the channel count, rounded half away from zero, so the re-referenced channels average to 0 within
    /// half an LSB (unless a channel saturated).
    /// </summary>
    public static Rereferencer CommonAverage(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        return new Rereferencer(Mode.CommonAverage, channels, [], [], "average");
    }

    /// <summary>Bipolar derivations: output channel i is input Positive − input Negative of pair i, saturated.</summary>
    public static Rereferencer Bipolar(IReadOnlyList<(int Positive, int Negative)> pairs, int channels)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("A bipolar montage needs at least one pair.", nameof(pairs));
        }

        var positives = new int[pairs.Count];
        var negatives = new int[pairs.Count];
        var description = new StringBuilder("bipolar:");
        for (var i = 0; i < pairs.Count; i++)
        {
            var (positive, negative) = pairs[i];
            if ((uint)positive >= (uint)channels || (uint)negative >= (uint)channels)
            {
                throw new ArgumentException($"Pair {i} ({positive}-{negative}) refers to a channel outside 0..{channels - 1}.", nameof(pairs));
            }

            if (positive == negative)
            {
                throw new ArgumentException($"Pair {i} subtracts channel {positive} from itself, which is always 0.", nameof(pairs));
            }

            positives[i] = positive;
            negatives[i] = negative;
            description.Append(i == 0 ? string.Empty : ",").Append(positive).Append('-').Append(negative);
        }

        return new Rereferencer(Mode.Bipolar, channels, positives, negatives, description.ToString());
    }

    /// <summary>
    /// Reads a configured reference: "none" (keep the hardware reference), "average" (common average) or
    /// "bipolar:C3-Cz,C4-Cz" (pairs of channel names, matched ignoring case and surrounding spaces; a name may
    /// itself contain '-' as long as the split is unambiguous).
    /// </summary>
    /// <exception cref="ArgumentException">The specification is malformed; the message names the bad part and the channels that exist.</exception>
    public static Rereferencer Parse(string specification, IReadOnlyList<string> channelNames)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(channelNames);
        if (channelNames.Count == 0)
        {
            throw new ArgumentException("There are no channels to re-reference.", nameof(channelNames));
        }

        var trimmed = specification.Trim();
        if (trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return Identity(channelNames.Count);
        }

        if (trimmed.Equals("average", StringComparison.OrdinalIgnoreCase))
        {
            return CommonAverage(channelNames.Count);
        }

        const string bipolarPrefix = "bipolar:";
        if (!trimmed.StartsWith(bipolarPrefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"Unknown reference '{specification}'; use 'none', 'average' or 'bipolar:A-B,C-D' with channels {ListChannels(channelNames)}.",
                nameof(specification));
        }

        var pairTexts = trimmed[bipolarPrefix.Length..].Split(',', StringSplitOptions.TrimEntries);
        var pairs = new List<(int Positive, int Negative)>(pairTexts.Length);
        foreach (var pairText in pairTexts)
        {
            var pair = ParsePair(pairText, channelNames);
            if (pair.Positive == pair.Negative)
            {
                throw new ArgumentException($"Bipolar pair '{pairText}' subtracts a channel from itself, which is always 0; the channels are {ListChannels(channelNames)}.", nameof(specification));
            }

            pairs.Add(pair);
        }

        return Bipolar(pairs, channelNames.Count);
    }

    /// <summary>Names for the output channels given the input channels' names ("C3-Cz" for a bipolar pair).</summary>
    public string[] OutputChannelNames(IReadOnlyList<string> inputNames)
    {
        ArgumentNullException.ThrowIfNull(inputNames);
        if (inputNames.Count != InputChannels)
        {
            throw new ArgumentException($"Expected {InputChannels} input names, got {inputNames.Count}.", nameof(inputNames));
        }

        if (mode != Mode.Bipolar)
        {
            var names = new string[InputChannels];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = inputNames[i];
            }

            return names;
        }

        var pairNames = new string[OutputChannels];
        for (var i = 0; i < pairNames.Length; i++)
        {
            pairNames[i] = $"{inputNames[positives[i]]}-{inputNames[negatives[i]]}";
        }

        return pairNames;
    }

    /// <summary>
    /// Re-references <paramref name="frames"/> interleaved frames: <paramref name="input"/> holds
    /// frames × <see cref="InputChannels"/> samples, <paramref name="output"/> receives frames × <see cref="OutputChannels"/>.
    /// Input and output must not overlap unless they are the same span and the montage is not bipolar.
    /// </summary>
    public void Process(ReadOnlySpan<int> input, Span<int> output, int frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        if (input.Length < (long)frames * InputChannels)
        {
            throw new ArgumentException($"The input holds {input.Length} samples, fewer than {frames} frames of {InputChannels} channels.", nameof(input));
        }

        if (output.Length < (long)frames * OutputChannels)
        {
            throw new ArgumentException($"The output holds {output.Length} samples, fewer than {frames} frames of {OutputChannels} channels.", nameof(output));
        }

        switch (mode)
        {
            case Mode.Identity:
                input[..(frames * InputChannels)].CopyTo(output);
                break;
            case Mode.CommonAverage:
                ProcessCommonAverage(input, output, frames);
                break;
            default:
                ProcessBipolar(input, output, frames);
                break;
        }
    }

    /// <summary>The mean of a frame: 64-bit sum over the count, rounded half away from zero.</summary>
    internal static long RoundedMean(long sum, int count)
    {
        var magnitude = ((2 * Math.Abs(sum)) + count) / (2L * count);
        return sum < 0 ? -magnitude : magnitude;
    }

    private static (int Positive, int Negative) ParsePair(string pairText, IReadOnlyList<string> channelNames)
    {
        // Try every '-' as the separator so names like "FC3-REF" still work; exactly one split must name two channels.
        (int Positive, int Negative)? found = null;
        var candidates = 0;
        string? firstProblem = null;
        for (var dash = pairText.IndexOf('-', StringComparison.Ordinal); dash >= 0; dash = pairText.IndexOf('-', dash + 1))
        {
            var positiveName = pairText[..dash];
            var negativeName = pairText[(dash + 1)..];
            var positive = FindChannel(channelNames, positiveName);
            var negative = FindChannel(channelNames, negativeName);
            if (positive >= 0 && negative >= 0)
            {
                found = (positive, negative);
                candidates++;
            }
            else
            {
                var unknown = positive < 0 ? positiveName.Trim() : negativeName.Trim();
                firstProblem ??= unknown.Length == 0 ? "has an empty channel name" : $"names channel '{unknown}', which does not exist";
            }
        }

        if (candidates == 1)
        {
            return found!.Value;
        }

        var reason = candidates > 1
            ? "can be split into two channels more than one way"
            : firstProblem ?? "is not of the form Positive-Negative";
        throw new ArgumentException($"Bipolar pair '{pairText}' {reason}; the channels are {ListChannels(channelNames)}.", "specification");
    }

    private static int FindChannel(IReadOnlyList<string> channelNames, string name)
    {
        var wanted = name.Trim();
        if (wanted.Length == 0)
        {
            return -1;
        }

        for (var i = 0; i < channelNames.Count; i++)
        {
            if (string.Equals(channelNames[i].Trim(), wanted, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static string ListChannels(IReadOnlyList<string> channelNames) => string.Join(", ", channelNames);

    private void ProcessCommonAverage(ReadOnlySpan<int> input, Span<int> output, int frames)
    {
        var channels = InputChannels;
        for (var frame = 0; frame < frames; frame++)
        {
            var source = input.Slice(frame * channels, channels);
            long sum = 0;
            for (var channel = 0; channel < channels; channel++)
            {
                sum += source[channel];
            }

            // Read every sample before writing any, so processing in place is safe.
            var mean = RoundedMean(sum, channels);
            var destination = output.Slice(frame * channels, channels);
            for (var channel = 0; channel < channels; channel++)
            {
                destination[channel] = Q31.Saturate(source[channel] - mean);
            }
        }
    }

    private void ProcessBipolar(ReadOnlySpan<int> input, Span<int> output, int frames)
    {
        var inputChannels = InputChannels;
        var outputChannels = OutputChannels;
        for (var frame = 0; frame < frames; frame++)
        {
            var source = input.Slice(frame * inputChannels, inputChannels);
            var destination = output.Slice(frame * outputChannels, outputChannels);
            for (var pair = 0; pair < outputChannels; pair++)
            {
                destination[pair] = Q31.Saturate((long)source[positives[pair]] - source[negatives[pair]]);
            }
        }
    }
}
