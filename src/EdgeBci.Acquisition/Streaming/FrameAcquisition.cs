using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// "Acquire to BDF": streams an initialized front-end's frames into a <see cref="BdfFrameRecorder"/>, for
/// <c>edgebci record</c> and the calibration session alike. A chip that keeps time (hardware, real-time emulation) is
/// read by the <see cref="AcquisitionLoop"/> thread into a <see cref="SampleRing"/>, so a slow disk costs gaps, never
/// the chip's timing. An emulator paced by its reader (FreeRunning) converts only when read, so it is read on the
/// caller's thread: the recording then holds every sample of the source, however fast the machine.
/// </summary>
public sealed class FrameAcquisition : IDisposable
{
    private static readonly TimeSpan DataWait = TimeSpan.FromMilliseconds(200);

    /// <summary>The reader-paced path reports progress once per this many frames (one second at 250 SPS).</summary>
    private const int ReportEvery = 250;

    private readonly FrontEnd _frontEnd;
    private readonly int[] _samples;
    private readonly SampleRing? _ring;
    private readonly SampleRingReader? _reader;
    private readonly AcquisitionLoop? _loop;
    private readonly byte[]? _frame;
    private readonly uint[]? _status;
    private readonly TimeSpan _dataReadyTimeout;
    private long _reached;
    private long _streamOrigin = -1;
    private long _badFrames;
    private bool _started;
    private bool _disposed;

    /// <param name="frontEnd">An initialized front-end (<see cref="FrontEnd.Initialize"/>); the caller disposes it.</param>
    /// <param name="fileOffset">The recording's index for the stream's first frame.</param>
    public FrameAcquisition(FrontEnd frontEnd, long fileOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        _frontEnd = frontEnd;
        FileOffset = fileOffset;
        _reached = fileOffset;
        var device = frontEnd.Device;
        _samples = new int[device.ChannelCount];
        _dataReadyTimeout = TimeSpan.FromSeconds(Math.Max(20.0 / frontEnd.SampleRate, 0.05));
        if (frontEnd.DataReadyKeepsTime)
        {
            _ring = new SampleRing(device.ChannelCount, device.ChipCount, Math.Max(frontEnd.SampleRate * 4, 64));
            _reader = _ring.CreateReader();
            _loop = new AcquisitionLoop(device, _ring, frontEnd.SampleRate, dataReadyKeepsTime: true)
            {
                RealTimePriority = frontEnd.Options.RealTimePriority,
            };
        }
        else
        {
            _frame = new byte[device.FrameLength];
            _status = new uint[device.ChipCount];
        }
    }

    /// <summary>Frames the chip delivered that failed their status check (holes in the sample index).</summary>
    public long BadFrames => _loop?.Counters.BadFrames ?? _badFrames;

    /// <summary>Samples the chip converted that nobody read in time (a late DRDY).</summary>
    public long MissedSamples => _loop?.Counters.MissedSamples ?? 0;

    /// <summary>Frames lost because the recorder fell more than the ring's capacity behind.</summary>
    public long Overruns => _reader?.Overruns ?? 0;

    /// <summary>The recording's index for the stream's first frame.</summary>
    public long FileOffset { get; }

    /// <summary>The file index the recording has reached (exclusive).</summary>
    public long Reached => _reached;

    /// <summary>
    /// Records the stream into <paramref name="recorder"/> until the file reaches index <paramref name="end"/>
    /// (exclusive) or <paramref name="keepGoing"/> says stop. The stream's first frame goes to file index
    /// <see cref="FileOffset"/>, so several front-ends (one per replayed source) can fill one recording back to back.
    /// Lost samples are filled and annotated by the recorder, and a recording that lost its last samples still ends at
    /// <paramref name="end"/>. <paramref name="keepGoing"/> is told the file index reached after every batch, so a
    /// caller acts at sample times (a cue) without a clock of its own. Returns the file index reached.
    /// </summary>
    /// <exception cref="IOException">The acquisition stopped (named) or the recording failed.</exception>
    public long RecordUntil(BdfFrameRecorder recorder, long end, Func<long, bool>? keepGoing = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, _reached);
        Start();
        return _loop is null ? RecordReaderPaced(recorder, end, keepGoing) : RecordFromRing(recorder, end, keepGoing);
    }

    private long RecordFromRing(BdfFrameRecorder recorder, long end, Func<long, bool>? keepGoing)
    {
        var reader = _reader!;
        while (_reached < end)
        {
            if (_loop!.Fault is { } fault)
            {
                throw new IOException($"Acquisition stopped after {recorder.SamplesWritten} samples: {fault.Message}", fault);
            }

            if (!reader.WaitForData(DataWait))
            {
                continue;
            }

            while (_reached < end && reader.TryRead(_samples, default, out var stamp))
            {
                if (_streamOrigin < 0)
                {
                    _streamOrigin = stamp.SampleIndex;
                }

                var index = FileOffset + (stamp.SampleIndex - _streamOrigin);
                if (index >= end)
                {
                    // The samples up to the end were lost: fill them, so the file has the length asked for.
                    recorder.EndAt(end);
                    _reached = end;
                    break;
                }

                recorder.Append(_samples, index);
                _reached = index + 1;
            }

            if (keepGoing is not null && !keepGoing(_reached))
            {
                break;
            }
        }

        return _reached;
    }

    private long RecordReaderPaced(BdfFrameRecorder recorder, long end, Func<long, bool>? keepGoing)
    {
        var device = _frontEnd.Device;
        while (_reached < end)
        {
            if (!device.WaitForDataReady(_dataReadyTimeout))
            {
                throw new IOException($"Acquisition stopped after {recorder.SamplesWritten} samples: no DRDY within {_dataReadyTimeout.TotalMilliseconds:0} ms.");
            }

            device.ReadFrame(_frame);
            var index = _reached++;
            if (Ads1299Frame.Decode(_frame, _status, _samples, device.ChannelsPerChip) > 0)
            {
                _badFrames++;
                if (_reached == end)
                {
                    recorder.EndAt(end);
                }

                continue; // a hole in the index, filled by the recorder like any gap
            }

            recorder.Append(_samples, index);
            if (keepGoing is not null && (_reached - FileOffset) % ReportEvery == 0 && !keepGoing(_reached))
            {
                return _reached;
            }
        }

        keepGoing?.Invoke(_reached);
        return _reached;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _loop?.Stop();
        _loop?.Dispose();
        _reader?.Dispose();
        if (_loop is null && _started && _frontEnd.Device.IsContinuous)
        {
            _frontEnd.Device.StopContinuous();
        }
    }

    private void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        if (_loop is not null)
        {
            _loop.Start();
        }
        else
        {
            _frontEnd.Device.StartContinuous();
        }
    }
}
