using System.Globalization;
using System.Text;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Firmware;

/// <summary>
/// Owns the ADS1299 front-end and its acquisition thread, and once a second logs what the stream looks like:
/// achieved rate, frames, bad frames, missed samples, lead-off and RMS per channel.
/// </summary>
internal sealed partial class AcquisitionService(
    AcquisitionSettings settings,
    FrontEnd frontEnd,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<AcquisitionService> logger) : BackgroundService
{
    private AcquisitionLoop? _loop;

    /// <summary>The stream every later stage reads from, with a reader of its own.</summary>
    public SampleRing Ring { get; } = new(
        frontEnd.Device.ChannelCount,
        frontEnd.Device.ChipCount,
        (int)Math.Ceiling(settings.Ads1299.RingSeconds * frontEnd.SampleRate));

    public AcquisitionLoop? Loop => _loop;

    /// <summary>Raised when the acquisition thread is found dead on a fault, before the firmware stops.</summary>
    public event Action<string>? Faulted;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarted(frontEnd.Identity?.ToString() ?? "(not initialized)", frontEnd.Board.Description, frontEnd.SampleRate, settings.Ads1299.Gain,
            string.Join(", ", frontEnd.ChannelNames), frontEnd.Emulator?.SourceDescription ?? "electrodes");
        _loop = new AcquisitionLoop(frontEnd.Device, Ring, frontEnd.SampleRate, time, frontEnd.DataReadyKeepsTime)
        {
            RealTimePriority = settings.Ads1299.RealTimePriority,
        };
        _loop.Start();
        LogScheduling(_loop.Scheduling ?? "unknown");
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _loop?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loop = _loop!;
        using var reader = Ring.CreateReader();
        var channels = frontEnd.Device.ChannelCount;
        var statistics = new ChannelStatistics(channels);
        var samples = new int[channels];
        var rms = new double[channels];
        var peakToPeak = new double[channels];
        var gain = frontEnd.Options.GainSetting;
        var line = new StringBuilder(256);
        long lastFrames = 0, lastMissed = 0, lastBad = 0;
        var lastTime = time.GetTimestamp();

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            while (reader.TryRead(samples, default, out _))
            {
                statistics.Add(samples);
            }

            if (loop.Fault is { } fault)
            {
                LogAcquisitionFault(fault.Message);
                Faulted?.Invoke($"acquisition stopped: {fault.GetType().Name}: {fault.Message}");
                Environment.ExitCode = ExitCodes.AcquisitionFault;
                lifetime.StopApplication();
                return;
            }

            var counters = loop.Counters;
            var now = time.GetTimestamp();
            var seconds = time.GetElapsedTime(lastTime, now).TotalSeconds;
            var frames = counters.Frames;
            var rate = (frames - lastFrames) / seconds;
            statistics.Take(gain, rms, peakToPeak);

            line.Clear();
            for (var c = 0; c < channels; c++)
            {
                line.Append(CultureInfo.InvariantCulture, $"{frontEnd.ChannelNames[c]} {rms[c]:0.0} ");
            }

            LogSecond(rate, frames, counters.BadFrames - lastBad, counters.MissedSamples - lastMissed, reader.Overruns,
                DescribeLeadOff(counters.ElectrodesOff, frontEnd.ChannelNames), line.ToString().TrimEnd());
            lastFrames = frames;
            lastMissed = counters.MissedSamples;
            lastBad = counters.BadFrames;
            lastTime = now;
        }
    }

    private static string DescribeLeadOff(ulong bits, IReadOnlyList<string> names)
    {
        if (bits == 0)
        {
            return "none";
        }

        var off = new List<string>();
        for (var c = 0; c < names.Count; c++)
        {
            if ((bits & (1UL << c)) != 0)
            {
                off.Add(names[c]);
            }
        }

        return string.Join(",", off);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ADS1299 {Identity} on {Board}: {Rate} SPS, gain {Gain}, channels {Channels}; source: {Source}")]
    private partial void LogStarted(string identity, string board, int rate, int gain, string channels, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquisition thread: {Scheduling}")]
    private partial void LogScheduling(string scheduling);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Rate:0.0} SPS | frames {Frames} | bad {Bad} | missed {Missed} | overruns {Overruns} | lead-off {LeadOff} | RMS µV {Rms}")]
    private partial void LogSecond(double rate, long frames, long bad, long missed, long overruns, string leadOff, string rms);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Acquisition stopped on a fault: {Reason}")]
    private partial void LogAcquisitionFault(string reason);
}
