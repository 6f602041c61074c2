using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;

namespace EdgeBci.Firmware;

/// <summary>A recording began or ended, for the events topic.</summary>
/// <param name="Kind">started, finished (its time was up), stopped (on request, or at the free-space reserve or quota) or failed.</param>
/// <param name="Unplanned">It ended before its time for a reason nobody asked for: the reserve, the quota, a failure.</param>
internal sealed record RecordingChange(string Kind, string Path, double Seconds, long GapSamples, string Message, bool Unplanned = false);

/// <summary>
/// Records the raw frames (BDF+ 24-bit counts, lossless, or EDF+ 16-bit as Recording:Format says; one crash-safe record
/// per second, gaps filled and annotated) on request while the unit runs: a reader of its own on the acquisition ring
/// and a thread of its own, so neither the acquisition thread nor the stages wait for the disk. One recording at a time;
/// never over another file; within the folder's reserve, quota and file count (<see cref="RecordingStorage"/>). Any
/// failure inside a recording (a full disk, a write or close that fails) ends that recording with an event, never the unit.
/// </summary>
internal sealed partial class RecordingService : IDisposable
{
    private readonly FrontEnd _frontEnd;
    private readonly AcquisitionService _acquisition;
    private readonly RecordingOptions _options;
    private readonly ILogger<RecordingService> _logger;
    private readonly RecordingStorage _storage;
    private readonly Lock _gate = new();
    private Session? _session;

    public RecordingService(FrontEnd frontEnd, AcquisitionService acquisition, RecordingOptions options, ILogger<RecordingService> logger)
    {
        _frontEnd = frontEnd;
        _acquisition = acquisition;
        _options = options;
        _logger = logger;
        Folder = UnitFolders.Resolve(options.Folder, "recordings", "edgebci-recordings");
        _storage = new RecordingStorage(Folder, options);
    }

    /// <summary>Raised when a recording starts or ends, on the thread that caused it.</summary>
    public event Action<RecordingChange>? Changed;

    /// <summary>The folder recordings are written to.</summary>
    public string Folder { get; }

    /// <summary>
    /// Starts a recording of <paramref name="seconds"/> (null: <see cref="RecordingOptions.MaxSeconds"/>) named after the
    /// time and <paramref name="label"/>; returns the file, or throws <see cref="InvalidOperationException"/> with the
    /// reason (already recording, a bad label or length, a folder that cannot be written, free space below the reserve).
    /// </summary>
    public string Start(double? seconds, string? label)
    {
        var length = seconds ?? _options.MaxSeconds;
        if (double.IsNaN(length) || length <= 0 || length > _options.MaxSeconds)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"seconds = {length}: give 0 < seconds <= {_options.MaxSeconds} (Recording:MaxSeconds)"));
        }

        if (label is not null && !LabelPattern().IsMatch(label))
        {
            throw new InvalidOperationException($"label '{label}': use 1 to 40 of a-z, A-Z, 0-9, '-' and '_'");
        }

        lock (_gate)
        {
            if (_session is { } running)
            {
                throw new InvalidOperationException($"already recording to {running.Recorder.Path}; stop it first");
            }

            var start = DateTime.Now;
            var name = string.Create(CultureInfo.InvariantCulture, $"{start:yyyyMMdd-HHmmss}{(label is null ? string.Empty : "-" + label)}.{_options.Format}");
            var path = Path.Combine(Folder, name);
            BdfFrameRecorder recorder;
            try
            {
                Directory.CreateDirectory(Folder);
                // The reserve first: a start that is refused must not have deleted a recording to make room.
                if (_storage.ReserveProblem() is { } reserve)
                {
                    throw new InvalidOperationException("not recording: " + reserve);
                }

                LogPruned(_storage.Prune(current: null, room: 1));
                if (_storage.QuotaProblem() is { } quota)
                {
                    throw new InvalidOperationException("not recording: " + quota);
                }

                // Two starts within a second, or a clock stepped back on a unit without RTC, get name-1, name-2, ...
                recorder = new BdfFrameRecorder(path, _frontEnd.ChannelNames, _frontEnd.SampleRate, _frontEnd.Options.GainSetting,
                    $"Startdate X X {_frontEnd.Identity?.Model.ToString() ?? "ADS1299"} {_frontEnd.Board.Name}", start, ExistingFile.AddSuffix);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new InvalidOperationException($"cannot write {path}: {exception.Message}", exception);
            }

            path = recorder.Path;

            var session = new Session(recorder, _acquisition.Ring.CreateReader(), (long)Math.Round(length * _frontEnd.SampleRate));
            _session = session;
            session.Thread = new Thread(() => Record(session)) { IsBackground = true, Name = "edgebci-recording" };
            session.Thread.Start();
            LogStarted(path, length, recorder.MicrovoltsPerStep);
            Changed?.Invoke(new RecordingChange("started", path, 0, 0, string.Create(CultureInfo.InvariantCulture, $"recording {length:0.#} s to {path}")));
            return path;
        }
    }

    /// <summary>Stops the recording in progress; returns its file, or null when there was none.</summary>
    public string? Stop()
    {
        Session? session;
        lock (_gate)
        {
            session = _session;
        }

        if (session is null)
        {
            return null;
        }

        session.StopRequested = true;
        session.Thread?.Join(TimeSpan.FromSeconds(5));
        return session.Recorder.Path;
    }

    public void Dispose() => Stop();

    private void Record(Session session)
    {
        var samples = new int[_frontEnd.Device.ChannelCount];
        string kind, message = string.Empty;
        var nextCheck = 0L;
        try
        {
            while (!session.StopRequested && session.Recorder.SamplesWritten < session.Frames)
            {
                // Once a second of samples: free space and the folder's limits (a statvfs and a folder listing, not per sample).
                if (session.Recorder.SamplesWritten >= nextCheck)
                {
                    nextCheck = session.Recorder.SamplesWritten + _frontEnd.SampleRate;
                    LogPruned(_storage.Prune(session.Recorder.Path, room: 0));
                    if ((_storage.ReserveProblem() ?? _storage.QuotaProblem()) is { } problem)
                    {
                        message = problem;
                        break;
                    }
                }

                if (!session.Reader.WaitForData(TimeSpan.FromMilliseconds(100)))
                {
                    continue;
                }

                session.Recorder.AppendAvailable(session.Reader, samples, session.Frames);
            }

            kind = session.StopRequested || message.Length > 0 ? "stopped" : "finished";
        }
#pragma warning disable CA1031 // The recording thread must end its recording, not the unit: whatever failed is reported in the event.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            kind = "failed";
            message = exception.Message;
        }

        var path = session.Recorder.Path;
        try
        {
            session.Recorder.Dispose();
        }
#pragma warning disable CA1031 // Same: a close that fails (the disk is full) fails this recording only.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            kind = "failed";
            message = message.Length > 0 ? message + "; closing: " + exception.Message : exception.Message;
        }

        var seconds = session.Recorder.SamplesWritten / (double)_frontEnd.SampleRate;
        var gaps = session.Recorder.GapSamples;
        session.Reader.Dispose();
        lock (_gate)
        {
            _session = null;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"recording {kind}: {seconds:0.###} s to {path}, {gaps} gap samples filled{(message.Length > 0 ? ": " + message : string.Empty)}");
        LogEnded(text);
        Changed?.Invoke(new RecordingChange(kind, path, seconds, gaps, text, Unplanned: kind == "failed" || message.Length > 0));
    }

    private void LogPruned(List<string> deleted)
    {
        foreach (var file in deleted)
        {
            LogDeleted(file);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex LabelPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "recording: started, {Seconds:0.#} s to {Path} ({MicrovoltsPerStep:0.#####} uV per step)")]
    private partial void LogStarted(string path, double seconds, double microvoltsPerStep);

    [LoggerMessage(Level = LogLevel.Information, Message = "recording: deleted {Path}, the oldest beyond Recording:QuotaMegabytes/MaxFiles")]
    private partial void LogDeleted(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Text}")]
    private partial void LogEnded(string text);

    private sealed class Session(BdfFrameRecorder recorder, SampleRingReader reader, long frames)
    {
        public BdfFrameRecorder Recorder { get; } = recorder;

        public SampleRingReader Reader { get; } = reader;

        public long Frames { get; } = frames;

        public Thread? Thread { get; set; }

        public volatile bool StopRequested;
    }
}
