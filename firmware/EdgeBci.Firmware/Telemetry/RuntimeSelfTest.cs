using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Control;
using EdgeBci.Control.Supervision;
using EdgeBci.Decoding.Bundle;

namespace EdgeBci.Firmware;

/// <summary>One check of the running self-test: "pass", "warn" or "fail", and what was measured.</summary>
internal sealed record SelfTestCheck(string Name, string Verdict, string Detail);

/// <summary>The whole self-test: passed when no check failed.</summary>
internal sealed record SelfTestResult(bool Passed, IReadOnlyList<SelfTestCheck> Checks)
{
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"self-test {(Passed ? "passed" : "FAILED")}: {string.Join("; ", Checks.Select(c => $"{c.Name} {c.Verdict} ({c.Detail})"))}");
}

/// <summary>
/// The self-test a unit can run while it streams (the <c>self-test</c> command), without stopping acquisition or
/// touching the chip's registers (<c>edgebci selftest</c> does that on an idle unit): frames arriving at the configured
/// rate over one second with no bad or missed frame, every channel's quality, the model bundle verified again file by
/// file, the decoder deciding, the supervisor ticking, free disk space where recordings are written.
/// </summary>
internal sealed class RuntimeSelfTest(
    FrontEnd frontEnd,
    AcquisitionService acquisition,
    SignalService signal,
    DecodingStage decodingStage,
    DecodingService decoding,
    SupervisorService control,
    RecordingService recording,
    TimeProvider time)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(1);
    private const long MinimumFreeBytes = 100L * 1024 * 1024;

    /// <summary>Runs every check; takes about one second (the frame-rate window).</summary>
    public SelfTestResult Run(CancellationToken cancellationToken)
    {
        var checks = new List<SelfTestCheck>(8);
        checks.Add(Acquisition(cancellationToken));
        checks.Add(Channels());
        checks.Add(Model());
        checks.Add(Decoder());
        checks.Add(Supervisor());
        checks.Add(Disk());
        return new SelfTestResult(checks.TrueForAll(c => c.Verdict != "fail"), checks);
    }

    private SelfTestCheck Acquisition(CancellationToken cancellationToken)
    {
        if (acquisition.Loop is not { } loop)
        {
            return new SelfTestCheck("acquisition", "fail", "not streaming");
        }

        var counters = loop.Counters;
        var (frames, bad, missed, started) = (counters.Frames, counters.BadFrames, counters.MissedSamples, time.GetTimestamp());
        cancellationToken.WaitHandle.WaitOne(RateWindow);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        var rate = (counters.Frames - frames) / seconds;
        var newBad = counters.BadFrames - bad;
        var newMissed = counters.MissedSamples - missed;
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{rate:0.#} frames/s of {frontEnd.SampleRate}, {newBad} bad, {newMissed} missed in {seconds:0.00} s; chip {frontEnd.Identity?.ToString() ?? "not identified"}");
        var verdict = frontEnd.Identity is null || Math.Abs(rate - frontEnd.SampleRate) > 0.05 * frontEnd.SampleRate ? "fail"
            : newBad > 0 || newMissed > 0 ? "warn"
            : "pass";
        return new SelfTestCheck("acquisition", verdict, detail);
    }

    private SelfTestCheck Channels()
    {
        if (signal.Channels is not { } channels)
        {
            return new SelfTestCheck("channels", "fail", "no quality report yet");
        }

        var notGood = channels.Where(c => c.Quality != "good").Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} {c.Quality}")).ToList();
        var required = control.RequiredChannels;
        var badRequired = channels.Where(c => required.Contains(c.Name) && c.Quality is "bad" or "lead-off" or "railed").ToList();
        var detail = notGood.Count == 0 ? $"{channels.Count}/{channels.Count} good" : string.Join(", ", notGood);
        return new SelfTestCheck("channels", badRequired.Count > 0 ? "fail" : notGood.Count > 0 ? "warn" : "pass", detail);
    }

    private SelfTestCheck Model()
    {
        if (decodingStage.BundleFolder is not { } folder)
        {
            return new SelfTestCheck("model", "fail", "no model configured (Decoding:ModelPath)");
        }

        try
        {
            // The decoder's own signature policy: the self-test must not pass a model the decoder would refuse.
            var bundle = ModelBundle.Load(folder, decodingStage.TrustPolicy());
            var detail = $"{bundle.Manifest.ModelId} {bundle.Manifest.ModelVersion}: {bundle.Manifest.Files.Count} files match their SHA-256";
            return bundle.Warning is { } warning
                ? new SelfTestCheck("model", "warn", $"{detail}; {warning}")
                : new SelfTestCheck("model", "pass", $"{detail}, signed by key {bundle.Signature?.KeyId}");
        }
        catch (ModelBundleException exception)
        {
            return new SelfTestCheck("model", "fail", exception.Message);
        }
    }

    private SelfTestCheck Decoder()
    {
        var status = decoding.Status;
        if (!status.Healthy)
        {
            return new SelfTestCheck("decoder", "fail", status.Reason ?? "not healthy");
        }

        var second = decoding.LastSecond;
        return second is null || second.Windows == 0
            ? new SelfTestCheck("decoder", "fail", "no window decoded in the last second")
            : new SelfTestCheck("decoder", "pass", string.Create(CultureInfo.InvariantCulture,
                $"{second.Windows} windows in the last second, DRDY-to-decision p50 {second.LatencyP50Milliseconds:0.00} ms p99 {second.LatencyP99Milliseconds:0.00} ms"));
    }

    private SelfTestCheck Supervisor()
    {
        if (control.Last is not { } last)
        {
            return new SelfTestCheck("supervisor", "fail", "not ticking");
        }

        var age = time.MonotonicNow() - last.Time;
        var detail = string.Create(CultureInfo.InvariantCulture, $"{last.State}, last tick {age.TotalMilliseconds:0.0} ms ago, longest interval {control.LongestTickInterval.TotalMilliseconds:0.0} ms");
        return new SelfTestCheck("supervisor", age > TimeSpan.FromMilliseconds(100) ? "fail" : last.State == SupervisorState.SafeStop ? "warn" : "pass", detail);
    }

    private SelfTestCheck Disk()
    {
        try
        {
            Directory.CreateDirectory(recording.Folder);
            var drive = new DriveInfo(recording.Folder);
            var free = drive.AvailableFreeSpace;
            var detail = string.Create(CultureInfo.InvariantCulture, $"{free / (1024.0 * 1024 * 1024):0.0} GiB free for {recording.Folder}");
            return new SelfTestCheck("disk", free < MinimumFreeBytes ? "warn" : "pass", detail);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new SelfTestCheck("disk", "warn", $"{recording.Folder}: {exception.Message}");
        }
    }
}
