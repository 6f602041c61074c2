using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Firmware;

/// <summary>The recorder's configuration (section "Recording").</summary>
internal sealed class RecordingOptions
{
    public const string Section = "Recording";

    /// <summary>Where recordings go; empty: /var/lib/edgebci/recordings when writable (the unit), else the temp folder's edgebci-recordings.</summary>
    public string Folder { get; set; } = string.Empty;

    /// <summary>The longest recording one command may ask for, and the length of one that names none (s).</summary>
    public int MaxSeconds { get; set; } = 3600;

    /// <summary>Every value out of range, by key (unknown keys are refused when the section is bound).</summary>
    public IReadOnlyList<string> Validate() =>
        MaxSeconds is < 1 or > 86_400 ? [$"{Section}:MaxSeconds = {MaxSeconds}: use 1 to 86400"] : [];
}

/// <summary>A recording began or ended, for the events topic.</summary>
/// <param name="Kind">started, finished (its time was up), stopped (on request) or failed.</param>
internal sealed record RecordingChange(string Kind, string Path, double Seconds, long GapSamples, string Message);

/// <summary>
/// Records the raw frames (BDF+, 24-bit counts, lossless, one crash-safe record per second, gaps filled and annotated)
/// on request while the unit runs: a reader of its own on the acquisition ring and a thread of its own, so neither the
/// acquisition thread nor the stages wait for the disk. One recording at a time.
/// </summary>
internal sealed partial class RecordingService : IDisposable
{
    private readonly FrontEnd _frontEnd;
    private readonly AcquisitionService _acquisition;
    private readonly RecordingOptions _options;
    private readonly ILogger<RecordingService> _logger;
    private readonly Lock _gate = new();
    private Session? _session;

    public RecordingService(FrontEnd frontEnd, AcquisitionService acquisition, RecordingOptions options, ILogger<RecordingService> logger)
    {
        _frontEnd = frontEnd;
        _acquisition = acquisition;
        _options = options;
        _logger = logger;
        Folder = UnitFolders.Resolve(options.Folder, "recordings", "edgebci-recordings");
    }

    /// <summary>Raised when a recording starts or ends, on the thread that caused it.</summary>
    public event Action<RecordingChange>? Changed;

    /// <summary>The folder recordings are written to.</summary>
    public string Folder { get; }

    /// <summary>
    /// Starts a recording of <paramref name="seconds"/> (null: <see cref="RecordingOptions.MaxSeconds"/>) named after the
    /// time and <paramref name="label"/>; returns the file, or throws <see cref="InvalidOperationException"/> with the
    /// reason (already recording, a bad label or length, a folder that cannot be written).
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
            var name = string.Create(CultureInfo.InvariantCulture, $"{start:yyyyMMdd-HHmmss}{(label is null ? string.Empty : "-" + label)}.bdf");
            var path = Path.Combine(Folder, name);
            BdfFrameRecorder recorder;
            try
            {
                Directory.CreateDirectory(Folder);
                recorder = new BdfFrameRecorder(path, _frontEnd.ChannelNames, _frontEnd.SampleRate, _frontEnd.Options.GainSetting,
                    $"Startdate X X {_frontEnd.Identity?.Model.ToString() ?? "ADS1299"} {_frontEnd.Board.Name}", start);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"cannot write {path}: {exception.Message}", exception);
            }

            var session = new Session(recorder, _acquisition.Ring.CreateReader(), (long)Math.Round(length * _frontEnd.SampleRate));
            _session = session;
            session.Thread = new Thread(() => Record(session)) { IsBackground = true, Name = "edgebci-recording" };
            session.Thread.Start();
            LogStarted(path, length);
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
        string kind = "finished", message;
        try
        {
            while (!session.StopRequested && session.Recorder.SamplesWritten < session.Frames)
            {
                if (!session.Reader.WaitForData(TimeSpan.FromMilliseconds(100)))
                {
                    continue;
                }

                session.Recorder.AppendAvailable(session.Reader, samples, session.Frames);
            }

            kind = session.StopRequested ? "stopped" : "finished";
            message = string.Empty;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            kind = "failed";
            message = exception.Message;
        }

        var seconds = session.Recorder.SamplesWritten / (double)_frontEnd.SampleRate;
        var gaps = session.Recorder.GapSamples;
        var path = session.Recorder.Path;
        try
        {
            session.Recorder.Dispose();
        }
        catch (IOException exception)
        {
            kind = "failed";
            message = exception.Message;
        }
        catch (InvalidOperationException exception)
        {
            // The samples are all written; only gap annotations that did not fit the last record are lost, and said so.
            message = exception.Message;
        }

        session.Reader.Dispose();
        lock (_gate)
        {
            _session = null;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"recording {kind}: {seconds:0.###} s to {path}, {gaps} gap samples filled{(message.Length > 0 ? ": " + message : string.Empty)}");
        LogEnded(text);
        Changed?.Invoke(new RecordingChange(kind, path, seconds, gaps, text));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex LabelPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "recording: started, {Seconds:0.#} s to {Path}")]
    private partial void LogStarted(string path, double seconds);

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
