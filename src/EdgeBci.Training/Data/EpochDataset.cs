namespace EdgeBci.Training.Data;

/// <summary>
/// Labelled trials cut from device-filtered recordings: one window of channels × samples per trial, in microvolts at
/// the signal chain's output rate, so a model trained on it sees exactly what the unit's decoder will see. Each trial
/// keeps its run number and onset so evaluation can split chronologically (train on early runs, test on later ones)
/// instead of shuffling neighbouring, correlated trials across the split.
/// </summary>
public sealed class EpochDataset
{
    private readonly float[][] _windows;
    private readonly int[] _labels;
    private readonly int[] _runNumbers;
    private readonly double[] _onsetSeconds;
    private readonly float[]?[] _contexts;

    /// <param name="windows">Per trial, channels × samples, row-major (all of channel 0, then channel 1, ...).</param>
    /// <param name="labels">Per trial, the index of its class in <paramref name="classNames"/>.</param>
    /// <param name="runNumbers">Per trial, the run it was cut from.</param>
    /// <param name="onsetSeconds">Per trial, the cue's onset in seconds from the start of its run.</param>
    /// <param name="classNames">Class names; a label indexes this list.</param>
    /// <param name="channelNames">Channel names in window row order.</param>
    /// <param name="sampleRate">Samples per second within a window.</param>
    /// <param name="samplesPerWindow">Samples per channel in every window.</param>
    /// <param name="contexts">
    /// Optional, per trial: the same channels over <paramref name="cropMargin"/> more samples on each side of the window
    /// (null for a trial whose surroundings fell outside its recording), for training on shifted crops.
    /// </param>
    /// <param name="cropMargin">Extra samples each side of a window held in <paramref name="contexts"/>.</param>
    public EpochDataset(
        IReadOnlyList<float[]> windows,
        IReadOnlyList<int> labels,
        IReadOnlyList<int> runNumbers,
        IReadOnlyList<double> onsetSeconds,
        IReadOnlyList<string> classNames,
        IReadOnlyList<string> channelNames,
        int sampleRate,
        int samplesPerWindow,
        IReadOnlyList<float[]?>? contexts = null,
        int cropMargin = 0)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(runNumbers);
        ArgumentNullException.ThrowIfNull(onsetSeconds);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerWindow, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(cropMargin);
        if (classNames.Count == 0 || channelNames.Count == 0)
        {
            throw new ArgumentException("A dataset needs at least one class name and one channel name.");
        }

        var count = windows.Count;
        if (labels.Count != count || runNumbers.Count != count || onsetSeconds.Count != count || (contexts is not null && contexts.Count != count))
        {
            throw new ArgumentException(
                $"Per-trial lists disagree: {count} windows, {labels.Count} labels, {runNumbers.Count} run numbers, {onsetSeconds.Count} onsets, {contexts?.Count ?? count} contexts.");
        }

        var windowLength = channelNames.Count * samplesPerWindow;
        _windows = new float[count][];
        _labels = new int[count];
        _runNumbers = new int[count];
        _onsetSeconds = new double[count];
        _contexts = new float[]?[count];
        var contextLength = channelNames.Count * (samplesPerWindow + (2 * cropMargin));
        for (var i = 0; i < count; i++)
        {
            if (windows[i] is null || windows[i].Length != windowLength)
            {
                throw new ArgumentException(
                    $"Trial {i}: a window holds {channelNames.Count} channels × {samplesPerWindow} samples = {windowLength} values, not {windows[i]?.Length ?? 0}.",
                    nameof(windows));
            }

            if (labels[i] < 0 || labels[i] >= classNames.Count)
            {
                throw new ArgumentException($"Trial {i}: label {labels[i]} is not an index into the {classNames.Count} class names.", nameof(labels));
            }

            _windows[i] = windows[i];
            _labels[i] = labels[i];
            _runNumbers[i] = runNumbers[i];
            _onsetSeconds[i] = onsetSeconds[i];
            if (contexts?[i] is { } context)
            {
                if (cropMargin == 0 || context.Length != contextLength)
                {
                    throw new ArgumentException(
                        $"Trial {i}: a crop context holds {channelNames.Count} channels × ({samplesPerWindow} + 2 × {cropMargin}) samples = {contextLength} values, not {context.Length}.",
                        nameof(contexts));
                }

                _contexts[i] = context;
            }
        }

        ClassNames = [.. classNames];
        ChannelNames = [.. channelNames];
        SampleRate = sampleRate;
        SamplesPerWindow = samplesPerWindow;
        CropMargin = cropMargin;
    }

    /// <summary>
    /// Per trial, channels × samples in microvolts, row-major (channel, then time). The arrays are shared with any
    /// <see cref="Subset"/>, not copied, so treat them as read-only.
    /// </summary>
    public IReadOnlyList<float[]> Windows => _windows;

    /// <summary>Per trial, the index of its class in <see cref="ClassNames"/>.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Per trial, the run it was cut from (eegmmidb's R number).</summary>
    public IReadOnlyList<int> RunNumbers => _runNumbers;

    /// <summary>Per trial, the cue's onset in seconds from the start of its run (not the window's start).</summary>
    public IReadOnlyList<double> OnsetSeconds => _onsetSeconds;

    /// <summary>Class names, ordinally sorted as <see cref="TaskDefinition.ClassNames"/>; a label indexes this list.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Channel names in window row order, as the chain outputs them ("C3-Cz" for a bipolar pair).</summary>
    public IReadOnlyList<string> ChannelNames { get; }

    /// <summary>Samples per second in a window: the signal chain's output rate.</summary>
    public int SampleRate { get; }

    public int SamplesPerWindow { get; }

    /// <summary>Samples each side of a window that <see cref="CopyShiftedWindow"/> may shift by (0: no crops).</summary>
    public int CropMargin { get; }

    public int ChannelCount => ChannelNames.Count;

    public int Count => _windows.Length;

    /// <summary>One channel of one trial, without copying.</summary>
    public ReadOnlySpan<float> Channel(int trial, int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, ChannelCount);
        return _windows[trial].AsSpan(channel * SamplesPerWindow, SamplesPerWindow);
    }

    /// <summary>
    /// Copies trial <paramref name="trial"/> shifted by <paramref name="offset"/> samples (−<see cref="CropMargin"/> ..
    /// <see cref="CropMargin"/>; later is positive) into <paramref name="target"/>. A trial without a context is
    /// copied unshifted, so the caller need not care which trials have one.
    /// </summary>
    /// <returns>The shift actually applied.</returns>
    public int CopyShiftedWindow(int trial, int offset, Span<float> target)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, -CropMargin);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, CropMargin);
        var samples = SamplesPerWindow;
        if (target.Length != ChannelCount * samples)
        {
            throw new ArgumentException($"The target holds {target.Length} values; a window is {ChannelCount} × {samples}.", nameof(target));
        }

        if (_contexts[trial] is not { } context)
        {
            _windows[trial].CopyTo(target);
            return 0;
        }

        var stride = samples + (2 * CropMargin);
        for (var c = 0; c < ChannelCount; c++)
        {
            context.AsSpan((c * stride) + CropMargin + offset, samples).CopyTo(target.Slice(c * samples, samples));
        }

        return offset;
    }

    /// <summary>
    /// The same trials with every window and crop context replaced by <paramref name="transform"/>(values, samples per
    /// channel): for a transform that maps channels × samples to the same shape, such as a spatial filter. Labels, runs
    /// and onsets are kept; the arrays passed in are not modified.
    /// </summary>
    /// <exception cref="ArgumentException">The transform returned an array of another length (via the constructor's checks).</exception>
    public EpochDataset MapSignals(Func<float[], int, float[]> transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        var windows = new float[Count][];
        var contexts = new float[]?[Count];
        var contextSamples = SamplesPerWindow + (2 * CropMargin);
        for (var i = 0; i < Count; i++)
        {
            windows[i] = transform(_windows[i], SamplesPerWindow);
            contexts[i] = _contexts[i] is { } context ? transform(context, contextSamples) : null;
        }

        return new EpochDataset(windows, _labels, _runNumbers, _onsetSeconds, ClassNames, ChannelNames, SampleRate, SamplesPerWindow, contexts, CropMargin);
    }

    /// <summary>
    /// The trials of every part in order (e.g. several wearers pooled). The parts must agree on classes, channels,
    /// rate, window and crop margin, or the labels and rows would mean different things.
    /// </summary>
    /// <exception cref="ArgumentException">No parts, or a part differs from the first (which property named).</exception>
    public static EpochDataset Concatenate(IReadOnlyList<EpochDataset> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Nothing to concatenate.", nameof(parts));
        }

        var first = parts[0];
        var windows = new List<float[]>();
        var labels = new List<int>();
        var runs = new List<int>();
        var onsets = new List<double>();
        var contexts = new List<float[]?>();
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            var mismatch = !part.ClassNames.SequenceEqual(first.ClassNames, StringComparer.Ordinal) ? "classes"
                : !part.ChannelNames.SequenceEqual(first.ChannelNames, StringComparer.OrdinalIgnoreCase) ? "channels"
                : part.SampleRate != first.SampleRate ? "sample rate"
                : part.SamplesPerWindow != first.SamplesPerWindow ? "samples per window"
                : part.CropMargin != first.CropMargin ? "crop margin"
                : null;
            if (mismatch is not null)
            {
                throw new ArgumentException($"Part {p} of the datasets to pool differs from part 0 in its {mismatch}.", nameof(parts));
            }

            windows.AddRange(part._windows);
            labels.AddRange(part._labels);
            runs.AddRange(part._runNumbers);
            onsets.AddRange(part._onsetSeconds);
            contexts.AddRange(part._contexts);
        }

        return new EpochDataset(windows, labels, runs, onsets, first.ClassNames, first.ChannelNames, first.SampleRate, first.SamplesPerWindow, contexts,
            first.CropMargin);
    }

    /// <summary>How many trials carry each label, indexed as <see cref="ClassNames"/>.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassNames.Count];
        foreach (var label in _labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>
    /// The trials at <paramref name="indices"/>, in that order (repeats allowed, for resampling). Windows are shared,
    /// not copied, so folds and splits cost almost nothing.
    /// </summary>
    public EpochDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var windows = new float[indices.Count][];
        var labels = new int[indices.Count];
        var runs = new int[indices.Count];
        var onsets = new double[indices.Count];
        var contexts = new float[]?[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            var index = indices[i];
            if (index < 0 || index >= Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Trial index {index} (position {i}) is outside 0..{Count - 1}.");
            }

            windows[i] = _windows[index];
            labels[i] = _labels[index];
            runs[i] = _runNumbers[index];
            onsets[i] = _onsetSeconds[index];
            contexts[i] = _contexts[index];
        }

        return new EpochDataset(windows, labels, runs, onsets, ClassNames, ChannelNames, SampleRate, SamplesPerWindow, contexts, CropMargin);
    }
}
