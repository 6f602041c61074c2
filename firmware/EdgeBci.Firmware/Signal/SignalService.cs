using System.Globalization;
using System.Text;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Quality;

namespace EdgeBci.Firmware;

/// <summary>
/// Runs the fixed-point signal chain on the acquisition stream, block by block on a thread of its own: signal
/// quality on the raw counts (with the chip's lead-off bits), the filter chain into <see cref="Output"/> for the
/// decoder, band power on the output. Once a second it logs each channel's quality and relative alpha power.
/// After every block it publishes, for the safety supervisor, which channels are railing now (a few consecutive raw
/// samples at the rail: faster than the quality monitor's one-second verdict), which the quality monitor judges bad,
/// and which are settling (good again, but not yet for Signal:QualityHoldOffSeconds); and the per-channel conditions
/// the decoder and the focus meter read.
/// </summary>
internal sealed partial class SignalService(
    AcquisitionService acquisition,
    SignalStage stage,
    DecodingStage decoding,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<SignalService> logger) : BackgroundService
{
    /// <summary>Consecutive raw samples at or beyond the rail threshold that make a channel "railing" for the supervisor.</summary>
    public const int RailingSamples = 3;

    private long _railingMask;
    private long _badMask;
    private long _settlingMask;
    private long _blocks;
    private bool _streaming;
    private ChannelReport[]? _channels;

    /// <summary>Raised from the signal stage's catch block with the message, before the firmware stops on the fault.</summary>
    public event Action<string>? Faulted;

    /// <summary>Bit n: channel n had its last <see cref="RailingSamples"/> raw samples at the rail (any thread).</summary>
    public ulong RailingMask => (ulong)Volatile.Read(ref _railingMask);

    /// <summary>Bit n: the quality monitor judges channel n bad (lead-off, railed, flat line) (any thread).</summary>
    public ulong BadQualityMask => (ulong)Volatile.Read(ref _badMask);

    /// <summary>Bit n: channel n is not usable yet, though not bad now: settling after a fault, or no verdict yet (any thread).</summary>
    public ulong SettlingMask => (ulong)Volatile.Read(ref _settlingMask);

    /// <summary>Per-channel conditions as last published (and what a settling channel settles from) (any thread).</summary>
    public IChannelConditions Conditions => stage.Conditions;

    /// <summary>Each channel's quality verdict and broadband RMS at the last once-a-second report (null before it; any thread).</summary>
    public IReadOnlyList<ChannelReport>? Channels => Volatile.Read(ref _channels);

    /// <summary>Blocks the chain has processed so far (any thread).</summary>
    public long Blocks => Interlocked.Read(ref _blocks);

    /// <summary>The chain's output, Q31 at the output rate, for the decoding stage.</summary>
    public SampleRing Output { get; } = new(stage.Chain.OutputChannels, 1, Math.Max(64, stage.Chain.OutputRate * 4));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var line in stage.Chain.Stages)
        {
            LogStage(line);
        }

        LogChain(stage.Chain.InputRate, stage.Chain.OutputRate, stage.Chain.QuantisedSections.Count, stage.Chain.PostShift);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            Pump(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFault(exception.Message);
            Faulted?.Invoke($"signal chain stopped: {exception.GetType().Name}: {exception.Message}");
            Environment.ExitCode = ExitCodes.AcquisitionFault;
            lifetime.StopApplication();
        }
    }

    private void Pump(CancellationToken stoppingToken)
    {
        var chain = stage.Chain;
        var channels = chain.InputChannels;
        var blockFrames = stage.Options.BlockFrames;
        using var reader = acquisition.Ring.CreateReader();
        var counts = new int[blockFrames * channels];
        var raw = new int[blockFrames * channels];
        var output = new int[chain.MaximumOutputFrames(blockFrames) * chain.OutputChannels];
        var frame = new int[channels];
        var timestamps = new long[blockFrames];
        var relativeAlpha = new double[chain.OutputChannels];
        var alpha = FindBand("alpha");
        var line = new StringBuilder(256);
        long outputIndex = 0;
        var railRun = new int[channels];
        var railThreshold = (int)Math.Ceiling(stage.Quality.Options.RailFractionOfFullScale * Ads1299Frame.MaximumCount);
        var nextReport = Environment.TickCount64 + 1000;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Woken by the first frame, not by a full block: a frame that completes a decoder window must not wait for
            // the next ones. Under load the frames that have piled up go through together, up to BlockFrames.
            if (!reader.WaitForData(1, TimeSpan.FromMilliseconds(250)))
            {
                continue;
            }

            var frames = 0;
            while (frames < blockFrames && reader.TryRead(frame, default, out var stamp))
            {
                frame.CopyTo(counts.AsSpan(frames * channels));
                timestamps[frames] = stamp.Timestamp;
                frames++;
                for (var c = 0; c < channels; c++)
                {
                    railRun[c] = Math.Abs(frame[c]) >= railThreshold ? railRun[c] + 1 : 0;
                }
            }

            if (!_streaming)
            {
                // When the switch-on hold-off starts: no channel counts as good (nothing arms, no window is decoded) before this plus the hold-off.
                _streaming = true;
                LogStreaming(time.ToControlTime(timestamps[0]).TotalMilliseconds, stage.Quality.Options.HoldOffSeconds);
            }

            var block = counts.AsSpan(0, frames * channels);
            for (var i = 0; i < block.Length; i++)
            {
                raw[i] = block[i] << Q31.CountShift;
            }

            if (acquisition.Loop is { } loop)
            {
                stage.Quality.SetLeadOff(loop.Counters.ElectrodesOff);
            }

            // Quality and focus judge the raw left-aligned counts (focus needs theta, which the chain's band-pass removes);
            // the chain then filters that same buffer in place.
            stage.Quality.Process(raw.AsSpan(0, block.Length));
            PublishChannelState(railRun);
            decoding.Focus.Process(raw.AsSpan(0, block.Length));
            var produced = chain.ProcessLeftAligned(raw.AsSpan(0, block.Length), output);
            var filtered = output.AsSpan(0, produced * chain.OutputChannels);
            stage.BandPower.Process(filtered);
            for (var f = 0; f < produced; f++)
            {
                filtered.Slice(f * chain.OutputChannels, chain.OutputChannels).CopyTo(Output.BeginWrite(out _));

                // Each output frame carries the DRDY time of the newest input frame it depends on (the same frame when
                // the chain does not resample), so latency downstream is measured from the chip.
                var source = Math.Min(frames - 1, (int)(((long)(f + 1) * frames / produced) - 1));
                Output.Publish(new FrameStamp(outputIndex++, timestamps[Math.Max(0, source)]));
            }

            if (Environment.TickCount64 >= nextReport)
            {
                nextReport += 1000;
                line.Clear();
                if (alpha >= 0)
                {
                    stage.BandPower.GetRelativePower(alpha, relativeAlpha);
                    for (var c = 0; c < relativeAlpha.Length; c++)
                    {
                        line.Append(CultureInfo.InvariantCulture, $"{relativeAlpha[c] * 100:0}% ");
                    }
                }

                LogSecond(stage.Quality.Describe(), line.ToString().TrimEnd());
                PublishChannelReport(acquisition.Loop?.Counters.ElectrodesOff ?? 0);
            }
        }
    }

    private void PublishChannelState(int[] railRun)
    {
        ulong railing = 0, bad = 0, settling = 0;
        for (var c = 0; c < railRun.Length; c++)
        {
            if (railRun[c] >= RailingSamples)
            {
                railing |= 1UL << c;
            }

            var state = stage.Quality.Get(c).State;
            if (state == QualityState.Bad)
            {
                bad |= 1UL << c;
            }
            else if (state == QualityState.Settling)
            {
                settling |= 1UL << c;
            }
        }

        stage.Conditions.Publish(stage.Quality);
        Volatile.Write(ref _settlingMask, (long)settling);

        Volatile.Write(ref _railingMask, (long)railing);
        Volatile.Write(ref _badMask, (long)bad);
        Interlocked.Increment(ref _blocks);
    }

    /// <summary>Once a second (a small array, never per sample): what the telemetry reports per channel.</summary>
    private void PublishChannelReport(ulong leadOff)
    {
        var railing = RailingMask;
        var names = stage.Quality.ChannelNames;
        var report = new ChannelReport[names.Count];
        for (var c = 0; c < report.Length; c++)
        {
            var bit = 1UL << c;
            var verdict = (leadOff & bit) != 0 ? "lead-off"
                : (railing & bit) != 0 ? "railed"
                : stage.Quality.Get(c).State switch { QualityState.Good => "good", QualityState.Noisy => "noisy", QualityState.Settling => "settling", _ => "bad" };
            report[c] = new ChannelReport(names[c], verdict, stage.Quality.GetMetrics(c).BroadbandRmsMicrovolts, stage.Quality.Get(c).Reason);
        }

        Volatile.Write(ref _channels, report);
    }

    private int FindBand(string name)
    {
        for (var b = 0; b < stage.BandPower.Bands.Count; b++)
        {
            if (string.Equals(stage.BandPower.Bands[b].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return b;
            }
        }

        return -1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signal chain: {Stage}")]
    private partial void LogStage(string stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signal chain: {InputRate} -> {OutputRate} Hz, {Sections} Q31 biquad sections, post-shift {PostShift}")]
    private partial void LogChain(int inputRate, int outputRate, int sections, int postShift);

    [LoggerMessage(Level = LogLevel.Information, Message = "quality: {Quality} | relative alpha: {Alpha}")]
    private partial void LogSecond(string quality, string alpha);

    [LoggerMessage(Level = LogLevel.Information, Message = "signal: streaming, first frame at {At:0.0} ms on the control clock; every channel settles for {HoldOff} s (Signal:QualityHoldOffSeconds) before it counts as good")]
    private partial void LogStreaming(double at, double holdOff);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Signal chain stopped on a fault: {Reason}")]
    private partial void LogFault(string reason);
}

/// <summary>
/// One channel at the last report: its name, "good", "noisy", "settling", "bad", "lead-off" or "railed", its broadband
/// RMS (µV), and the quality monitor's reason in words ("line noise 38% of power", "after railed"; empty when good).
/// </summary>
internal sealed record ChannelReport(string Name, string Quality, double RmsMicrovolts, string Reason = "");
