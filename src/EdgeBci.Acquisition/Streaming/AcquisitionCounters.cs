namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// Counters the acquisition thread alone writes; any thread may read them. Longs are written with
/// <see cref="Volatile"/> so a 32-bit reader never sees a torn value.
/// </summary>
public sealed class AcquisitionCounters
{
    private long _frames;
    private long _badFrames;
    private long _missedSamples;
    private long _gapEvents;
    private long _dataReadyTimeouts;
    private long _leadOffPositive;
    private long _leadOffNegative;
    private long _lastFrameTimestamp;

    public long Frames => Volatile.Read(ref _frames);

    /// <summary>Frames whose status word did not start with 1100: a misaligned or corrupted read.</summary>
    public long BadFrames => Volatile.Read(ref _badFrames);

    /// <summary>Conversions lost between frames, detected from DRDY timing.</summary>
    public long MissedSamples => Volatile.Read(ref _missedSamples);

    public long GapEvents => Volatile.Read(ref _gapEvents);

    /// <summary>Waits for DRDY that ran out: the chip stopped converting or the line is dead.</summary>
    public long DataReadyTimeouts => Volatile.Read(ref _dataReadyTimeouts);

    /// <summary>LOFF_STATP bits of the latest frame, chip 0 in bits 0-7, chip 1 in bits 8-15.</summary>
    public ulong LeadOffPositive => (ulong)Volatile.Read(ref _leadOffPositive);

    public ulong LeadOffNegative => (ulong)Volatile.Read(ref _leadOffNegative);

    /// <summary>Channels whose electrode is off in the latest frame, on whichever input it is wired to.</summary>
    public ulong ElectrodesOff => LeadOffPositive | LeadOffNegative;

    /// <summary>Timestamp of the latest good frame (0 before the first).</summary>
    public long LastFrameTimestamp => Volatile.Read(ref _lastFrameTimestamp);

    internal void FrameAccepted(long timestamp, ReadOnlySpan<uint> statusPerChip)
    {
        ulong positive = 0, negative = 0;
        for (var chip = 0; chip < statusPerChip.Length; chip++)
        {
            positive |= (ulong)Ads1299.Ads1299Frame.LeadOffPositive(statusPerChip[chip]) << (8 * chip);
            negative |= (ulong)Ads1299.Ads1299Frame.LeadOffNegative(statusPerChip[chip]) << (8 * chip);
        }

        Volatile.Write(ref _leadOffPositive, (long)positive);
        Volatile.Write(ref _leadOffNegative, (long)negative);
        Volatile.Write(ref _lastFrameTimestamp, timestamp);
        Volatile.Write(ref _frames, _frames + 1);
    }

    internal void FrameRejected() => Volatile.Write(ref _badFrames, _badFrames + 1);

    internal void SamplesMissed(int count)
    {
        Volatile.Write(ref _missedSamples, _missedSamples + count);
        Volatile.Write(ref _gapEvents, _gapEvents + 1);
    }

    internal void DataReadyTimedOut() => Volatile.Write(ref _dataReadyTimeouts, _dataReadyTimeouts + 1);
}
