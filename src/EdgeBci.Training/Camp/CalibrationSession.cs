using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;

namespace EdgeBci.Training.Camp;

/// <summary>What a calibration session needs besides the device.</summary>
/// <param name="Protocol">Classes, trial counts, blocks and timing.</param>
/// <param name="Wearer">The wearer's folder the session is recorded into.</param>
/// <param name="Presenter">Who shows the cues (a <see cref="CompositeCuePresenter"/> for several).</param>
/// <param name="Seed">Seeds the protocol's schedule (unused when the schedule comes from replayed recordings).</param>
/// <param name="ReplayedSources">
/// Emulator only: the annotated recordings the "wearer" is, one block each, in order; empty: the schedule comes from
/// the protocol.
/// </param>
/// <param name="SourceHints">How to read a replayed recording that does not state its rate or channel count.</param>
/// <param name="BreakEnded">Asked while a break between blocks runs (a key on the console); null: breaks run their full length.</param>
public sealed record CalibrationSessionSettings(
    CalibrationProtocol Protocol,
    WearerFolder Wearer,
    ICuePresenter Presenter,
    int Seed,
    IReadOnlyList<string> ReplayedSources,
    RecordingHints SourceHints,
    Func<bool>? BreakEnded = null);

/// <summary>
/// Runs a cued calibration session and records it as BDF+ in the wearer's folder. Time is the acquired stream's sample
/// index, not the wall clock: cue k starts when the acquisition reaches its sample, so the same code runs at real time
/// on a unit and as fast as the machine allows on a free-running emulator. On the emulator with annotated recordings
/// each block replays one recording and takes its cues from the recording's annotations.
/// </summary>
public static class CalibrationSession
{
    /// <param name="settings">The protocol, the wearer, the presenter and the schedule's origin.</param>
    /// <param name="openFrontEnd">
    /// Opens the front-end (not yet initialized): with the replayed recording to play for a block, or null for the
    /// configured source or a real board. The session initializes and disposes it.
    /// </param>
    /// <exception cref="ArgumentException">A replayed recording has no cues, or recordings were given for a real board (named).</exception>
    /// <exception cref="IOException">The acquisition or the recording failed; what was recorded is kept.</exception>
    public static SessionResult Run(CalibrationSessionSettings settings, Func<string?, FrontEnd> openFrontEnd)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(openFrontEnd);
        var replay = settings.ReplayedSources.Count > 0;
        var frontEnd = openFrontEnd(replay ? settings.ReplayedSources[0] : null);
        try
        {
            if (replay && frontEnd.Emulator is null)
            {
                throw new ArgumentException($"--source {settings.ReplayedSources[0]}: a recording replaces the wearer on the emulator only (Board = emulator).");
            }

            var identity = frontEnd.Initialize();
            var schedule = replay
                ? CueSchedule.FromRecordings(settings.Protocol, frontEnd.SampleRate, LoadSources(settings))
                : CueSchedule.FromProtocol(settings.Protocol, frontEnd.SampleRate, settings.Seed);

            // The emulator has no wearer to rest: its breaks take no time.
            var breakSamples = frontEnd.Emulator is null ? (long)Math.Round(settings.Protocol.Timing.BlockBreak * frontEnd.SampleRate) : 0;
            var start = DateTime.UtcNow;
            var sessionPath = settings.Wearer.CreateSession(start);
            var recordingPath = Path.Combine(sessionPath, WearerFolder.RecordingFileName);
            var blocks = new List<RecordedBlock>(schedule.Blocks.Count);
            var walker = new BlockWalker(schedule, settings.Presenter);
            settings.Presenter.SessionStarted(schedule);
            var completed = false;
            BdfFrameRecorder? recorder = null;
            try
            {
                recorder = new BdfFrameRecorder(recordingPath, frontEnd.ChannelNames, frontEnd.SampleRate, frontEnd.Options.GainSetting,
                    $"Startdate X X {identity.Model} calibration {settings.Protocol.Name} wearer {settings.Wearer.Id}", start.ToLocalTime());
                var acquisition = new FrameAcquisition(frontEnd);
                try
                {
                    for (var b = 0; b < schedule.Blocks.Count; b++)
                    {
                        var block = schedule.Blocks[b];
                        if (replay && b > 0)
                        {
                            // Each replayed recording is a fresh emulator whose sample 0 is the block's first sample.
                            acquisition.Dispose();
                            frontEnd.Dispose();
                            frontEnd = openFrontEnd(settings.ReplayedSources[b]);
                            frontEnd.Initialize();
                            acquisition = new FrameAcquisition(frontEnd, recorder.SamplesWritten);
                        }

                        var blockStart = acquisition.Reached;
                        walker.Block(block, blockStart, recorder, acquisition);
                        blocks.Add(new RecordedBlock(block.Index, blockStart, acquisition.Reached, block.Source));
                        if (b + 1 < schedule.Blocks.Count && breakSamples > 0)
                        {
                            settings.Presenter.BlockBreak(block.Index, schedule.Blocks.Count, breakSamples / (double)frontEnd.SampleRate);
                            var breakEnded = settings.BreakEnded;
                            acquisition.RecordUntil(recorder, acquisition.Reached + breakSamples, _ => breakEnded is null || !breakEnded());
                        }
                    }
                }
                finally
                {
                    acquisition.Dispose();
                }

                completed = true;
            }
            finally
            {
                recorder?.Dispose();
                settings.Presenter.SessionEnded(new SessionSummary(walker.TrialsShown, blocks.Count,
                    (recorder?.SamplesWritten ?? 0) / (double)frontEnd.SampleRate, recordingPath, completed));
            }

            var schedulePath = Path.Combine(sessionPath, WearerFolder.ScheduleFileName);
            ScheduleFile.Write(schedulePath, schedule, blocks, WearerFolder.RecordingFileName);
            return new SessionResult(recordingPath, schedulePath, blocks, schedule.TrialsPerClass(), settings.Wearer, frontEnd.SampleRate);
        }
        finally
        {
            frontEnd.Dispose();
        }
    }

    private static List<MicrovoltRecording> LoadSources(CalibrationSessionSettings settings)
    {
        var recordings = new List<MicrovoltRecording>(settings.ReplayedSources.Count);
        foreach (var source in settings.ReplayedSources)
        {
            try
            {
                recordings.Add(RecordingLoader.Load(source, settings.SourceHints));
            }
            catch (Exception exception) when (exception is RecordingFormatException or IOException)
            {
                throw new ArgumentException($"--source {source}: {exception.Message}", exception);
            }
        }

        return recordings;
    }

    /// <summary>Walks one block's periods in sample time: annotate and present each when the acquisition reaches it.</summary>
    private sealed class BlockWalker(CueSchedule schedule, ICuePresenter presenter)
    {
        public int TrialsShown { get; private set; }

        public void Block(ScheduledBlock block, long blockStart, BdfFrameRecorder recorder, FrameAcquisition acquisition)
        {
            var rate = (double)schedule.SampleRate;
            for (var p = 0; p < block.Periods.Count; p++)
            {
                var period = block.Periods[p];
                var sample = blockStart + period.Start;
                acquisition.RecordUntil(recorder, sample);
                if (schedule.AnnotationOf(block, p) is { } annotation)
                {
                    recorder.Annotate(sample, annotation.Samples, annotation.Code);
                }

                var position = new TrialPosition(period.Trial, schedule.TrialCount, block.Index, schedule.Blocks.Count, sample);
                var seconds = period.Length / rate;
                switch (period.Kind)
                {
                    case SessionPeriodKind.Rest:
                        presenter.Rest(position, seconds);
                        break;
                    case SessionPeriodKind.Fixation:
                        presenter.Fixation(position, seconds);
                        break;
                    default:
                        TrialsShown++;
                        presenter.Cue(position, period.Class!, seconds);
                        break;
                }
            }

            acquisition.RecordUntil(recorder, blockStart + block.Length);
        }
    }
}
