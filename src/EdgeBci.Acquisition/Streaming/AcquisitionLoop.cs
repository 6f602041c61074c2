using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// The dedicated acquisition thread: wait for DRDY, clock the frame out, decode it straight into the ring, count
/// what went wrong. It never waits on anything but the chip, and allocates nothing per frame.
/// </summary>
public sealed class AcquisitionLoop : IDisposable
{
    private readonly Ads1299Device _device;
    private readonly SampleRing _ring;
    private readonly TimeProvider _time;
    private readonly DataReadyGapDetector? _gaps;
    private readonly TimeSpan _dataReadyTimeout;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _nextSampleIndex;
    private readonly ManualResetEventSlim _running = new(false);

    /// <param name="dataReadyKeepsTime">
    /// True for a real chip (or real-time emulation): a late frame means conversions were overwritten, and the sample
    /// index skips them. False when DRDY is paced by the reader, where timing says nothing about loss.
    /// </param>
    public AcquisitionLoop(Ads1299Device device, SampleRing ring, double sampleRate, TimeProvider? timeProvider = null, bool dataReadyKeepsTime = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.ChannelCount != device.ChannelCount || ring.ChipCount != device.ChipCount)
        {
            throw new ArgumentException($"Ring holds {ring.ChipCount} chip(s) × {ring.ChannelCount} channels; the device has {device.ChipCount} × {device.ChannelCount}.", nameof(ring));
        }

        _device = device;
        _ring = ring;
        _time = timeProvider ?? TimeProvider.System;
        _gaps = dataReadyKeepsTime ? new DataReadyGapDetector(sampleRate, _time.TimestampFrequency) : null;
        SampleRate = sampleRate;
        // Long enough not to fire between healthy frames at 250 SPS, short enough to notice a stall quickly.
        _dataReadyTimeout = TimeSpan.FromSeconds(Math.Max(20.0 / sampleRate, 0.05));
        _thread = new Thread(Run) { IsBackground = true, Name = "ads1299-acquisition", Priority = ThreadPriority.Highest };
    }

    public double SampleRate { get; }

    public AcquisitionCounters Counters { get; } = new();

    /// <summary>Set when the thread died on an exception; the host treats it as a fault.</summary>
    public Exception? Fault { get; private set; }

    public bool IsRunning => _thread.IsAlive;

    /// <summary>Signalled when the thread ends, by a stop or a fault.</summary>
    public ManualResetEventSlim Stopped { get; } = new(false);

    /// <summary>Starts RDATAC and the thread; returns once the thread runs and <see cref="Scheduling"/> is known.</summary>
    public void Start()
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RealTimePriority, 99);
        _device.StartContinuous();
        _thread.Start();
        _running.Wait(TimeSpan.FromSeconds(5));
    }

    public void Stop()
    {
        _stopping = true;
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    public void Dispose()
    {
        Stop();
        Stopped.Dispose();
        _running.Dispose();
    }

    /// <summary>SCHED_FIFO priority for the acquisition thread (1..99); 0 leaves it in the normal class.</summary>
    public int RealTimePriority { get; init; }

    /// <summary>The CPU the acquisition thread is kept on; -1 lets the scheduler choose.</summary>
    public int Cpu { get; init; } = -1;

    /// <summary>How the acquisition thread is scheduled, once it has started.</summary>
    public string? Scheduling { get; private set; }

    private void Run()
    {
        Scheduling = $"{RealTimeScheduling.TryRaiseCurrentThread(RealTimePriority)}, {RealTimeScheduling.TryPinCurrentThread(Cpu)}";
        _running.Set();
        var frame = new byte[_device.FrameLength];
        try
        {
            while (!_stopping)
            {
                ReadOne(frame);
            }

            _device.StopContinuous();
        }
        catch (Exception exception)
        {
            // Whatever broke, the thread must end visibly rather than take the process down unseen:
            // the host reads Fault and fails safe.
            Fault = exception;
            Trace.TraceError($"ADS1299 acquisition stopped: {exception.Message}");
        }
        finally
        {
            Stopped.Set();
        }
    }

    /// <summary>One DRDY wait and frame; false when DRDY timed out. The whole per-frame path, callable from another thread than the loop's (a test, the live replay, which paces frames on a virtual clock).</summary>
    public bool ReadOne(byte[] frame)
    {
        if (!_device.WaitForDataReady(_dataReadyTimeout))
        {
            Counters.DataReadyTimedOut();
            return false;
        }

        var timestamp = _time.GetTimestamp();
        _device.ReadFrame(frame);
        Accept(frame, timestamp);
        return true;
    }

    private void Accept(ReadOnlySpan<byte> frame, long timestamp)
    {
        var missed = _gaps?.Observe(timestamp) ?? 0;
        if (missed > 0)
        {
            Counters.SamplesMissed(missed);
            _nextSampleIndex += missed;
        }

        var samples = _ring.BeginWrite(out var status);
        var badChips = Ads1299Frame.Decode(frame, status, samples, _device.ChannelsPerChip);
        var sampleIndex = _nextSampleIndex++;
        if (badChips > 0)
        {
            // The slot stays open and is reused by the next frame; the index still advances so consumers see a hole.
            Counters.FrameRejected();
            return;
        }

        _ring.Publish(new FrameStamp(sampleIndex, timestamp));
        Counters.FrameAccepted(timestamp, status);
    }
}
