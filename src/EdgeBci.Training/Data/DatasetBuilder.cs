using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Referencing;

namespace EdgeBci.Training.Data;

/// <summary>
/// The front-end settings replay needs from the <c>Ads1299</c> section: the data rate the chip samples at and the PGA
/// gain that sets its count size. Only these two shape what the chain sees, so training does not need a full
/// <see cref="Ads1299Options"/> (whose channel list would compete with the montage).
/// </summary>
/// <param name="SampleRate">Samples per second, one of <see cref="Ads1299Options.AllowedRates"/>.</param>
/// <param name="Gain">PGA gain, one of <see cref="Ads1299Options.AllowedGains"/>.</param>
public sealed record ReplaySettings(int SampleRate = 250, int Gain = 24)
{
    /// <summary>The shipped configuration: 250 SPS at gain 24.</summary>
    public static ReplaySettings Default { get; } = new();

    public static ReplaySettings From(Ads1299Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ReplaySettings(options.SampleRate, options.Gain);
    }

    /// <summary>The gain as the chip's register value; throws naming the configuration key if either value is not one the chip has.</summary>
    public Ads1299Gain Validate()
    {
        if (Array.IndexOf(Ads1299Options.AllowedRates, SampleRate) < 0)
        {
            throw new ArgumentException(
                $"{Ads1299Options.Section}:SampleRate = {SampleRate} is not allowed; use one of {string.Join(", ", Ads1299Options.AllowedRates)}.");
        }

        return Ads1299Values.TryParseGain(Gain, out var gain)
            ? gain
            : throw new ArgumentException(
                $"{Ads1299Options.Section}:Gain = {Gain} is not allowed; use one of {string.Join(", ", Ads1299Options.AllowedGains)}.");
    }
}

/// <summary>
/// A recording as the unit would see and filter it: replayed into the emulated electrodes at the chip's data rate
/// (<see cref="RecordingSignalSource"/>), quantised to the chip's 24-bit counts (<see cref="Ads1299Scaling.ToCounts"/>),
/// then run through a fresh <see cref="SignalChain"/> in the unit's block size. This is the same sequence of building
/// blocks as <c>edgebci filter</c> (FilterCommand.Run), so a model trained on the output is trained on bit-identical
/// input to what the firmware's decoder receives; FilterCommand could call <see cref="Run"/> instead of its own copy.
/// </summary>
public static class DeviceReplay
{
    /// <summary>The filtered recording, in microvolts at the chain's output rate, with the recording's events on the same clock.</summary>
    /// <param name="recording">The recording in microvolts.</param>
    /// <param name="sources">For each device channel, the recording channel to play into it (matched by electrode name).</param>
    /// <param name="deviceNames">The device's channel names, as the chain and its re-referencing know them.</param>
    /// <param name="sampleRate">The chip's data rate.</param>
    /// <param name="gain">The chip's PGA gain.</param>
    /// <param name="signal">The chain's configuration.</param>
    /// <param name="chain">The chain as built, for its stages and rates.</param>
    public static MicrovoltRecording Run(MicrovoltRecording recording, IReadOnlyList<string> sources, IReadOnlyList<string> deviceNames,
        int sampleRate, Ads1299Gain gain, SignalOptions signal, out SignalChain chain)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(deviceNames);
        ArgumentNullException.ThrowIfNull(signal);
        if (sources.Count != deviceNames.Count)
        {
            throw new ArgumentException($"{sources.Count} source channels for {deviceNames.Count} device channels; give one source per device channel.", nameof(sources));
        }

        var replay = new RecordingSignalSource(recording, sources);
        chain = SignalChain.Create(signal, deviceNames, sampleRate, signal.BlockFrames);
        var channels = deviceNames.Count;
        var inputFrames = (int)Math.Floor(recording.SampleCount * (double)sampleRate / recording.SampleRate);
        var outputCapacity = chain.MaximumOutputFrames(inputFrames) + chain.MaximumOutputFrames(signal.BlockFrames);
        var output = new double[chain.OutputChannels][];
        for (var c = 0; c < output.Length; c++)
        {
            output[c] = new double[outputCapacity];
        }

        var microvolts = new double[channels];
        var block = new int[signal.BlockFrames * channels];
        var filtered = new int[chain.MaximumOutputFrames(signal.BlockFrames) * chain.OutputChannels];
        var written = 0;
        var microvoltsPerQ31 = Q31.MicrovoltsPerStep(Ads1299Scaling.MicrovoltsPerCount(gain));
        for (var start = 0; start < inputFrames; start += signal.BlockFrames)
        {
            var frames = Math.Min(signal.BlockFrames, inputFrames - start);
            for (var f = 0; f < frames; f++)
            {
                replay.Generate(start + f, sampleRate, microvolts);
                for (var c = 0; c < channels; c++)
                {
                    block[(f * channels) + c] = Ads1299Scaling.ToCounts(microvolts[c], gain);
                }
            }

            var produced = chain.Process(block.AsSpan(0, frames * channels), filtered);
            for (var f = 0; f < produced; f++)
            {
                for (var c = 0; c < chain.OutputChannels; c++)
                {
                    output[c][written] = filtered[(f * chain.OutputChannels) + c] * microvoltsPerQ31;
                }

                written++;
            }
        }

        for (var c = 0; c < output.Length; c++)
        {
            Array.Resize(ref output[c], written);
        }

        // Events keep their times: the chain's output runs on the same clock as its input. Output channels are named
        // as the re-referencing makes them ("C3-Cz" for a bipolar pair), so labels stay right when their count changes.
        return new MicrovoltRecording
        {
            SourcePath = recording.SourcePath,
            SampleRate = chain.OutputRate,
            ChannelLabels = Rereferencer.Parse(signal.Reference, deviceNames).OutputChannelNames(deviceNames),
            Microvolts = output,
            Annotations = recording.Annotations,
        };
    }
}

/// <summary>
/// Turns recorded sessions into an <see cref="EpochDataset"/>: each run is replayed through the device's own fixed-point
/// chain (<see cref="DeviceReplay"/>), then a window is cut after every cue the task names. Nothing compensates the
/// chain's filter delay: the decoder on the unit sees the delayed signal, so the model must learn from the same.
/// </summary>
public static class DatasetBuilder
{
    /// <summary>The eegmmidb file of one run: <c>{folder}/S001/S001R04.edf</c> for subject 1, run 4.</summary>
    /// <exception cref="ArgumentException">The subject or run number is below 1.</exception>
    public static string RunPath(string folder, int subject, int run) => EegmmidbLayout.RunPath(folder, subject, run);

    /// <summary>The task's runs of one eegmmidb subject under <paramref name="folder"/> (the folder holding S001, S002, ...).</summary>
    public static EpochDataset Build(string folder, int subject, TaskDefinition task, IReadOnlyList<string> montage,
        ReplaySettings device, SignalOptions signal, double cropMarginSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.Validate();
        return Build(EegmmidbLayout.RunPaths(folder, subject, task), task, montage, device, signal, cropMarginSeconds);
    }

    /// <summary>
    /// Trials from the given recordings, in file order then annotation order. A run's number comes from an eegmmidb-style
    /// name ending in R&lt;number&gt; (and must then be one of the task's runs, since T1/T2 mean different things in
    /// other runs); a file named otherwise is numbered by its 1-based position in <paramref name="edfPaths"/>.
    /// </summary>
    /// <param name="edfPaths">The recordings (any format <see cref="RecordingLoader"/> reads).</param>
    /// <param name="task">Which annotations are trials of which class, and the window to cut.</param>
    /// <param name="montage">Electrode names in device channel order ("C3" finds eegmmidb's "C3..").</param>
    /// <param name="device">The chip's data rate and gain.</param>
    /// <param name="signal">The signal chain's configuration, as on the unit.</param>
    /// <param name="cropMarginSeconds">
    /// Also keep this much signal each side of every window (when the recording has it), so training can draw shifted
    /// crops; 0 keeps windows only.
    /// </param>
    /// <exception cref="ArgumentException">A setting is invalid, a run does not belong to the task, or a montage channel is not in a recording (named).</exception>
    public static EpochDataset Build(IReadOnlyList<string> edfPaths, TaskDefinition task, IReadOnlyList<string> montage,
        ReplaySettings device, SignalOptions signal, double cropMarginSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(edfPaths);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(montage);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(signal);
        task.Validate();
        var gain = device.Validate();
        if (edfPaths.Count == 0)
        {
            throw new ArgumentException($"Task '{task.Name}': no recordings were given.", nameof(edfPaths));
        }

        if (montage.Count == 0)
        {
            throw new ArgumentException("The montage is empty; name the electrodes in device channel order.", nameof(montage));
        }

        var deviceNames = new string[montage.Count];
        for (var i = 0; i < montage.Count; i++)
        {
            deviceNames[i] = ChannelLabel.Normalize(montage[i]);
        }

        var classNames = task.ClassNames;
        var labelByAnnotation = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (annotation, className) in task.ClassByAnnotation)
        {
            labelByAnnotation[annotation.Trim()] = IndexOf(classNames, className);
        }

        var outputRate = signal.OutputRate == 0 ? device.SampleRate : signal.OutputRate;
        var samplesPerWindow = (int)Math.Round(task.WindowSeconds * outputRate, MidpointRounding.AwayFromZero);
        if (samplesPerWindow < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Task '{task.Name}': \"window\" of {task.WindowSeconds} s holds no sample at {outputRate} Hz."));
        }

        if (!(cropMarginSeconds >= 0) || cropMarginSeconds > task.WindowSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(cropMarginSeconds), cropMarginSeconds,
                $"The crop margin must be 0 .. the window length ({task.WindowSeconds} s).");
        }

        var cropMargin = (int)Math.Round(cropMarginSeconds * outputRate, MidpointRounding.AwayFromZero);
        var windows = new List<float[]>();
        var contexts = new List<float[]?>();
        var labels = new List<int>();
        var runNumbers = new List<int>();
        var onsets = new List<double>();
        IReadOnlyList<string>? channelNames = null;
        for (var position = 0; position < edfPaths.Count; position++)
        {
            var path = edfPaths[position];
            var run = RunNumberOf(path, position, task);
            var recording = RecordingLoader.Load(path);
            var filtered = DeviceReplay.Run(recording, montage, deviceNames, device.SampleRate, gain, signal, out var chain);
            channelNames ??= filtered.ChannelLabels;
            CutWindows(filtered, chain.OutputRate, task, labelByAnnotation, samplesPerWindow, cropMargin, run, windows, contexts, labels, runNumbers, onsets);
        }

        return new EpochDataset(windows, labels, runNumbers, onsets, classNames, channelNames!, outputRate, samplesPerWindow, contexts, cropMargin);
    }

    /// <summary>
    /// Cuts [onset + start, onset + end) of every cue the task names. The first sample is the first one at or after
    /// onset + start on the output clock; windows that would run past the end of the recording (or start before it)
    /// are left out rather than padded, since padding would teach the model a signal the unit never produces.
    /// </summary>
    private static void CutWindows(MicrovoltRecording filtered, int rate, TaskDefinition task, Dictionary<string, int> labelByAnnotation,
        int samplesPerWindow, int cropMargin, int run, List<float[]> windows, List<float[]?> contexts, List<int> labels, List<int> runNumbers,
        List<double> onsets)
    {
        var channels = filtered.Microvolts;
        var available = filtered.SampleCount;
        foreach (var annotation in filtered.Annotations)
        {
            if (!labelByAnnotation.TryGetValue(annotation.Text.Trim(), out var label))
            {
                continue;
            }

            // A small tolerance keeps an onset stored as 4.2 (i.e. 4.19999...) from slipping one sample later.
            var first = (long)Math.Ceiling(((annotation.Onset + task.WindowStartSeconds) * rate) - 1e-6);
            if (first < 0 || first + samplesPerWindow > available)
            {
                continue;
            }

            var window = Cut(channels, first, samplesPerWindow, available)!;
            windows.Add(window);
            contexts.Add(cropMargin > 0 ? Cut(channels, first - cropMargin, samplesPerWindow + (2 * cropMargin), available) : null);
            labels.Add(label);
            runNumbers.Add(run);
            onsets.Add(annotation.Onset);
        }
    }

    /// <summary>Channels × [first, first + length) row-major, or null when that span is not all inside the recording.</summary>
    private static float[]? Cut(double[][] channels, long first, int length, long available)
    {
        if (first < 0 || first + length > available)
        {
            return null;
        }

        var cut = new float[channels.Length * length];
        for (var c = 0; c < channels.Length; c++)
        {
            var source = channels[c];
            var row = c * length;
            for (var s = 0; s < length; s++)
            {
                cut[row + s] = (float)source[first + s];
            }
        }

        return cut;
    }

    /// <summary>
    /// The run number in an eegmmidb-style name (S001R04.edf is run 4), checked against the task; otherwise the file's
    /// 1-based position, so files from other sources still split in the order given.
    /// </summary>
    private static int RunNumberOf(string path, int position, TaskDefinition task)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var digits = name.Length;
        while (digits > 0 && char.IsAsciiDigit(name[digits - 1]))
        {
            digits--;
        }

        if (digits == name.Length || digits == 0 || (name[digits - 1] != 'R' && name[digits - 1] != 'r')
            || !int.TryParse(name.AsSpan(digits), NumberStyles.None, CultureInfo.InvariantCulture, out var run))
        {
            return position + 1;
        }

        if (Array.IndexOf(task.Runs, run) < 0)
        {
            throw new ArgumentException(
                $"{Path.GetFileName(path)} is run {run}, which is not one of task '{task.Name}' runs ({string.Join(", ", task.Runs)}); its annotations mean something else there.");
        }

        return run;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
