using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// Writes ADS1299 frames to an EDF+/BDF+ file in the format its name asks for (<see cref="RecordingFormat.FromPath"/>).
/// BDF+ is lossless: the 24-bit counts are the digital samples, and the physical range is the converter's ±VREF/gain in
/// microvolts. (The exact LSB is a binary fraction that EDF's 8-character header fields cannot hold, so microvolts
/// derived from the header are within one LSB; the counts are exact.) EDF+ keeps the same physical range in 16 bits, so
/// each step is 256 counts (<see cref="MicrovoltsPerStep"/>). One data record per second, flushed as it completes, so
/// a unit that loses power keeps every whole second. Gaps in the sample index are filled by holding the last value and
/// annotated, because an EDF+C/BDF+C file is continuous by definition. A failed write (a full disk) fails the
/// recorder: later appends throw <see cref="IOException"/>, and <see cref="Dispose"/> closes the file at its last whole second.
/// </summary>
public sealed class BdfFrameRecorder : IDisposable
{
    private readonly EdfStreamWriter _writer;
    private readonly int _channels;
    private readonly int _sampleRate;
    private readonly int[] _record;
    private readonly int[] _lastValues;
    private readonly double _countScale;
    private readonly double _countShift;
    private readonly bool _sixteenBit;
    private int _position;
    private long _nextSampleIndex = -1;
    private long _firstSampleIndex;
    private IOException? _failure;
    private bool _disposed;

    /// <summary>Creates <paramref name="path"/>: ".bdf" for BDF+, ".edf" for EDF+; anything else is refused.</summary>
    /// <param name="existing">If the file exists: refuse (the default), or write to "name-1", "name-2", ... (<see cref="Path"/> says which).</param>
    public BdfFrameRecorder(string path, IReadOnlyList<string> channelNames, int sampleRate, Ads1299Gain gain, string recordingId, DateTime start,
        ExistingFile existing = ExistingFile.Refuse)
    {
        ArgumentNullException.ThrowIfNull(path);
        var format = RecordingFormat.FromPath(path);
        var signals = Signals(channelNames, sampleRate, gain, format);
        _writer = new EdfStreamWriter(path, format, "X X X X", recordingId, start, 1.0, signals, existing: existing);
        (_channels, _sampleRate, _record, _lastValues, _sixteenBit, _countScale, _countShift, MicrovoltsPerStep) = Layout(signals, sampleRate, gain);
    }

    /// <summary>Writes to a seekable stream the caller opened (the recorder closes it), in the format <paramref name="path"/> names.</summary>
    public BdfFrameRecorder(Stream stream, string path, IReadOnlyList<string> channelNames, int sampleRate, Ads1299Gain gain, string recordingId, DateTime start)
    {
        ArgumentNullException.ThrowIfNull(path);
        var format = RecordingFormat.FromPath(path);
        var signals = Signals(channelNames, sampleRate, gain, format);
        _writer = new EdfStreamWriter(stream, path, format, "X X X X", recordingId, start, 1.0, signals);
        (_channels, _sampleRate, _record, _lastValues, _sixteenBit, _countScale, _countShift, MicrovoltsPerStep) = Layout(signals, sampleRate, gain);
    }

    public EdfFormat Format => _writer.Header.Format;

    /// <summary>Microvolts one digital step of the file stands for: one count in BDF+, 256 counts in EDF+.</summary>
    public double MicrovoltsPerStep { get; }

    /// <summary>The write failure that ended the recording, or null.</summary>
    public IOException? Failure => _failure;

    public string Path => _writer.Path;

    public long SamplesWritten { get; private set; }

    public long GapSamples { get; private set; }

    /// <summary>Appends one frame; <paramref name="sampleIndex"/> is the acquisition's index, so holes become visible.</summary>
    public void Append(ReadOnlySpan<int> counts, long sampleIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        if (_nextSampleIndex < 0)
        {
            _nextSampleIndex = sampleIndex;
            _firstSampleIndex = sampleIndex;
        }

        if (sampleIndex > _nextSampleIndex)
        {
            FillGapUntil(sampleIndex);
        }
        else if (sampleIndex < _nextSampleIndex)
        {
            return; // already written (a reader rewound); the file stays monotonic
        }

        Put(counts);
        counts[.._channels].CopyTo(_lastValues);
    }

    /// <summary>
    /// Appends the frames <paramref name="reader"/> holds now until the recording spans <paramref name="frames"/> samples
    /// from its first one. A frame past that end means the samples up to the end were lost: the hole is filled
    /// (<see cref="EndAt"/>) and the recording is complete. True once it is; <paramref name="frame"/> is scratch for one frame.
    /// </summary>
    public bool AppendAvailable(SampleRingReader reader, Span<int> frame, long frames)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (SamplesWritten < frames && reader.TryRead(frame, default, out var stamp))
        {
            var first = _nextSampleIndex < 0 ? stamp.SampleIndex : _firstSampleIndex;
            if (stamp.SampleIndex - first >= frames)
            {
                EndAt(first + frames);
                break;
            }

            Append(frame, stamp.SampleIndex);
        }

        return SamplesWritten >= frames;
    }

    /// <summary>
    /// Ends the recording at <paramref name="sampleIndex"/> (exclusive) when the samples up to it were lost: the hole
    /// is filled and annotated like any gap, so the file has the length that was asked for.
    /// </summary>
    public void EndAt(long sampleIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        if (_nextSampleIndex >= 0 && sampleIndex > _nextSampleIndex)
        {
            FillGapUntil(sampleIndex);
        }
    }

    public void Annotate(string text)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _writer.AddAnnotation(SecondsAt(Math.Max(_nextSampleIndex, _firstSampleIndex)), null, text);
    }

    /// <summary>
    /// Annotates the event at acquisition index <paramref name="sampleIndex"/> (a cue's onset), lasting
    /// <paramref name="samples"/> samples (none: no duration), so its onset is sample-exact in the file whenever it is
    /// written. Before the first frame, the recording is taken to start at index 0.
    /// </summary>
    public void Annotate(long sampleIndex, long samples, string text)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleIndex, _firstSampleIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        _writer.AddAnnotation(SecondsAt(sampleIndex), samples == 0 ? null : samples / (double)_sampleRate, text);
    }

    /// <summary>
    /// Completes the last second (holding the final value, annotated) and fixes the header's record count; after a
    /// failed write only closes the file at its last whole second.
    /// </summary>
    /// <exception cref="IOException">The file could not be finished; it is closed all the same.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_position > 0 && _failure is null)
            {
                _writer.AddAnnotation(SecondsAt(_nextSampleIndex), null,
                    string.Create(CultureInfo.InvariantCulture, $"recording ends; last {_sampleRate - _position} samples of this second repeat the final value"));
                while (_position > 0)
                {
                    Put(_lastValues);
                }
            }
        }
        finally
        {
            _writer.Dispose();
        }
    }

    private void FillGapUntil(long sampleIndex)
    {
        var missing = sampleIndex - _nextSampleIndex;
        _writer.AddAnnotation(SecondsAt(_nextSampleIndex), missing / (double)_sampleRate,
            string.Create(CultureInfo.InvariantCulture, $"acquisition gap: {missing} samples"));
        for (var i = 0; i < missing; i++)
        {
            Put(_lastValues);
        }

        GapSamples += missing;
    }

    private void Put(ReadOnlySpan<int> counts)
    {
        for (var c = 0; c < _channels; c++)
        {
            _record[(c * _sampleRate) + _position] = _sixteenBit ? ToSixteenBit(counts[c]) : counts[c];
        }

        _nextSampleIndex++;
        SamplesWritten++;
        if (++_position == _sampleRate)
        {
            // Reset first: a write that fails must not leave the position past the end of the record.
            _position = 0;
            try
            {
                _writer.WriteRecord(_record);
            }
            catch (IOException exception)
            {
                _failure = exception;
                SamplesWritten = _writer.RecordsWritten * _sampleRate;
                throw;
            }
        }
    }

    private int ToSixteenBit(int count) => (int)Math.Clamp(Math.Round((count * _countScale) + _countShift), short.MinValue, short.MaxValue);

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new IOException($"{Path}: the recording failed ({failure.Message}); it ends at its last whole second.", failure);
        }
    }

    private double SecondsAt(long sampleIndex) => (sampleIndex - _firstSampleIndex) / (double)_sampleRate;

    private static EdfSignalHeader[] Signals(IReadOnlyList<string> channelNames, int sampleRate, Ads1299Gain gain, EdfFormat format)
    {
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(channelNames.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        var fullScale = Ads1299Scaling.FullScaleMicrovolts(gain);
        var signals = new EdfSignalHeader[channelNames.Count];
        for (var c = 0; c < signals.Length; c++)
        {
            signals[c] = new EdfSignalHeader
            {
                Label = $"EEG {channelNames[c]}",
                TransducerType = "AgAgCl electrode",
                PhysicalDimension = "uV",
                PhysicalMinimum = -fullScale,
                PhysicalMaximum = fullScale,
                DigitalMinimum = format == EdfFormat.Bdf ? Ads1299Frame.MinimumCount : short.MinValue,
                DigitalMaximum = format == EdfFormat.Bdf ? Ads1299Frame.MaximumCount : short.MaxValue,
                Prefiltering = $"ADS1299 gain {Ads1299Values.Multiplier(gain)}",
                SamplesPerRecord = sampleRate,
            };
        }

        return signals;
    }

    private static (int Channels, int SampleRate, int[] Record, int[] LastValues, bool SixteenBit, double Scale, double Shift, double MicrovoltsPerStep) Layout(
        EdfSignalHeader[] signals, int sampleRate, Ads1299Gain gain)
    {
        var sixteenBit = signals.Length > 0 && signals[0].DigitalMaximum == short.MaxValue;
        var fullScale = Ads1299Scaling.FullScaleMicrovolts(gain);
        var countStep = 2 * fullScale / ((double)Ads1299Frame.MaximumCount - Ads1299Frame.MinimumCount);
        var fileStep = 2 * fullScale / ((double)signals[0].DigitalMaximum - signals[0].DigitalMinimum);

        // The same microvolts on both scales: count c is (c + 1/2) count steps from -full scale, step d likewise.
        var scale = countStep / fileStep;
        var shift = (countStep - fileStep) / (2 * fileStep);
        return (signals.Length, sampleRate, new int[signals.Length * sampleRate], new int[signals.Length], sixteenBit, scale, shift, fileStep);
    }
}
