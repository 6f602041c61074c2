using System.Globalization;
using EdgeBci.Recording;

namespace EdgeBci.Training.Camp;

/// <summary>What happens in a scheduled period: the rest between trials, the fixation cross, or a cue with its imagery.</summary>
public enum SessionPeriodKind
{
    Rest,
    Fixation,
    Cue,
}

/// <summary>
/// One period of a block, in samples from the block's start. <paramref name="Trial"/> is the 1-based trial of the
/// session the period leads up to (or, for the rest after a block's last cue, that cue's trial).
/// </summary>
public sealed record ScheduledPeriod(SessionPeriodKind Kind, int Trial, long Start, long Length, CueClass? Class = null)
{
    public long End => Start + Length;
}

/// <summary>One block: its periods in time order and its length in samples; <paramref name="Source"/> is the replayed recording, if any.</summary>
public sealed record ScheduledBlock(int Index, long Length, IReadOnlyList<ScheduledPeriod> Periods, string? Source = null);

/// <summary>
/// The cue schedule of a calibration session, in samples at the acquisition's rate: from the protocol (Graz timing,
/// classes balanced and shuffled within each block, reproducible from the seed) or, on the emulator, from the replayed
/// recordings' own annotations (the recorded subject "followed our cues").
/// </summary>
public sealed class CueSchedule
{
    private CueSchedule(CalibrationProtocol protocol, int sampleRate, int? seed, IReadOnlyList<ScheduledBlock> blocks)
    {
        Protocol = protocol;
        SampleRate = sampleRate;
        Seed = seed;
        Blocks = blocks;
        var trials = 0;
        foreach (var block in blocks)
        {
            foreach (var period in block.Periods)
            {
                trials += period.Kind == SessionPeriodKind.Cue ? 1 : 0;
            }
        }

        TrialCount = trials;
    }

    public CalibrationProtocol Protocol { get; }

    public int SampleRate { get; }

    /// <summary>The seed the protocol's schedule was drawn with; null when the schedule came from recordings.</summary>
    public int? Seed { get; }

    public IReadOnlyList<ScheduledBlock> Blocks { get; }

    public int TrialCount { get; }

    /// <summary>
    /// The protocol's schedule. Each block holds <see cref="CalibrationProtocol.TrialsPerBlockPerClass"/> trials of every
    /// class in a shuffled order, each trial a randomised rest, the fixation cross and the cue; a last rest closes the
    /// block, so the final imagery is never cut short by the break.
    /// </summary>
    public static CueSchedule FromProtocol(CalibrationProtocol protocol, int sampleRate, int seed)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        var random = new Random(seed);
        var timing = protocol.Timing;
        var fixation = Samples(timing.Fixation, sampleRate);
        var cue = Samples(timing.Cue, sampleRate);
        var perBlock = protocol.TrialsPerBlockPerClass;
        var blocks = new List<ScheduledBlock>(protocol.Blocks);
        var trial = 0;
        for (var b = 0; b < protocol.Blocks; b++)
        {
            var order = new CueClass[perBlock * protocol.Classes.Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = protocol.Classes[i % protocol.Classes.Count];
            }

            random.Shuffle(order);
            var periods = new List<ScheduledPeriod>((order.Length * 3) + 1);
            var time = 0L;
            foreach (var cueClass in order)
            {
                trial++;
                var rest = RestSamples(random, timing, sampleRate);
                periods.Add(new ScheduledPeriod(SessionPeriodKind.Rest, trial, time, rest));
                time += rest;
                periods.Add(new ScheduledPeriod(SessionPeriodKind.Fixation, trial, time, fixation));
                time += fixation;
                periods.Add(new ScheduledPeriod(SessionPeriodKind.Cue, trial, time, cue, cueClass));
                time += cue;
            }

            var last = RestSamples(random, timing, sampleRate);
            periods.Add(new ScheduledPeriod(SessionPeriodKind.Rest, trial, time, last));
            blocks.Add(new ScheduledBlock(b + 1, time + last, periods));
        }

        return new CueSchedule(protocol, sampleRate, seed, blocks);
    }

    /// <summary>
    /// The schedule the replayed recordings already hold: one block per recording, as long as the recording is at
    /// <paramref name="sampleRate"/>; a cue for each annotation whose text is a class's code, a rest for each
    /// <see cref="CalibrationProtocol.RestCode"/>, at the sample where its onset falls.
    /// </summary>
    /// <exception cref="ArgumentException">A recording holds none of the protocol's cues (named).</exception>
    public static CueSchedule FromRecordings(CalibrationProtocol protocol, int sampleRate, IReadOnlyList<MicrovoltRecording> recordings)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        var blocks = new List<ScheduledBlock>(recordings.Count);
        var trial = 0;
        foreach (var recording in recordings)
        {
            var length = (long)Math.Floor(recording.SampleCount * (double)sampleRate / recording.SampleRate);
            var periods = new List<ScheduledPeriod>();
            foreach (var annotation in recording.Annotations)
            {
                var start = (long)Math.Round(annotation.Onset * sampleRate, MidpointRounding.AwayFromZero);
                var samples = annotation.Duration is { } duration ? (long)Math.Round(duration * sampleRate, MidpointRounding.AwayFromZero) : 0;
                if (start < 0 || start >= length)
                {
                    continue;
                }

                samples = Math.Min(samples, length - start);
                var text = annotation.Text.Trim();
                if (string.Equals(text, protocol.RestCode, StringComparison.Ordinal))
                {
                    periods.Add(new ScheduledPeriod(SessionPeriodKind.Rest, trial + 1, start, samples));
                }
                else if (protocol.ClassWithCode(text) is { } cueClass)
                {
                    periods.Add(new ScheduledPeriod(SessionPeriodKind.Cue, ++trial, start, samples, cueClass));
                }
            }

            if (!HasCue(periods))
            {
                throw new ArgumentException(
                    $"{recording.SourcePath}: no annotation is a cue of protocol '{protocol.Name}' ({CodeList(protocol)}); the emulator replays an annotated recording as the wearer, or give --source synthetic.");
            }

            periods.Sort((a, b) => a.Start.CompareTo(b.Start));
            blocks.Add(new ScheduledBlock(blocks.Count + 1, length, periods, recording.SourcePath));
        }

        if (blocks.Count == 0)
        {
            throw new ArgumentException("No recording to replay was given.", nameof(recordings));
        }

        return new CueSchedule(protocol, sampleRate, null, blocks);
    }

    /// <summary>
    /// The annotation a period writes: a cue's class code over its imagery, or the rest code over the whole time
    /// without a cue (the rest and the fixation cross after it), so a rest window cut after it never reaches a cue.
    /// Null for a fixation already covered by its rest.
    /// </summary>
    public (string Code, long Samples)? AnnotationOf(ScheduledBlock block, int periodIndex)
    {
        ArgumentNullException.ThrowIfNull(block);
        var period = block.Periods[periodIndex];
        switch (period.Kind)
        {
            case SessionPeriodKind.Cue:
                return (period.Class!.Code, period.Length);
            case SessionPeriodKind.Rest:
                var length = period.Length;
                if (periodIndex + 1 < block.Periods.Count && block.Periods[periodIndex + 1] is { Kind: SessionPeriodKind.Fixation } next && next.Start == period.End)
                {
                    length += next.Length;
                }

                return (Protocol.RestCode, length);
            default:
                var previous = periodIndex > 0 ? block.Periods[periodIndex - 1] : null;
                return previous is { Kind: SessionPeriodKind.Rest } && previous.End == period.Start ? null : (Protocol.RestCode, period.Length);
        }
    }

    /// <summary>Cues per class name over the whole schedule.</summary>
    public IReadOnlyDictionary<string, int> TrialsPerClass()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var block in Blocks)
        {
            foreach (var period in block.Periods)
            {
                if (period.Class is { } cueClass)
                {
                    counts[cueClass.Name] = counts.GetValueOrDefault(cueClass.Name) + 1;
                }
            }
        }

        return counts;
    }

    private static long RestSamples(Random random, TrialTiming timing, int sampleRate) =>
        Samples(timing.RestMin + (random.NextDouble() * (timing.RestMax - timing.RestMin)), sampleRate);

    private static long Samples(double seconds, int sampleRate) => (long)Math.Round(seconds * sampleRate, MidpointRounding.AwayFromZero);

    private static bool HasCue(List<ScheduledPeriod> periods)
    {
        foreach (var period in periods)
        {
            if (period.Kind == SessionPeriodKind.Cue)
            {
                return true;
            }
        }

        return false;
    }

    private static string CodeList(CalibrationProtocol protocol)
    {
        var codes = new List<string>(protocol.Classes.Count);
        foreach (var cueClass in protocol.Classes)
        {
            codes.Add(string.Create(CultureInfo.InvariantCulture, $"{cueClass.Code} = {cueClass.Name}"));
        }

        return string.Join(", ", codes);
    }
}
