using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// Writes ADS1299 frames to a BDF+ file losslessly: the 24-bit counts are the digital samples, and the physical
/// range is the converter's ±VREF/gain in microvolts. (The exact LSB is a binary fraction that EDF's 8-character
/// header fields cannot hold, so microvolts derived from the header are within one LSB; the counts are exact.) One data record per second, flushed as it completes, so a
/// unit that loses power keeps every whole second. Gaps in the sample index are filled by holding the last value
/// and annotated, because a BDF+C file is continuous by definition.
/// </summary>
public sealed class BdfFrameRecorder : IDisposable
{
    private readonly EdfStreamWriter _writer;
    private readonly int _channels;
    private readonly int _sampleRate;
    private readonly int[] _record;
    private readonly int[] _lastValues;
    private int _position;
    private long _nextSampleIndex = -1;
    private long _firstSampleIndex;
    private bool _disposed;

    public BdfFrameRecorder(string path, IReadOnlyList<string> channelNames, int sampleRate, Ads1299Gain gain, string recordingId, DateTime start)
    {
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        _channels = channelNames.Count;
        _sampleRate = sampleRate;
        _record = new int[_channels * sampleRate];
        _lastValues = new int[_channels];
        var fullScale = Ads1299Scaling.FullScaleMicrovolts(gain);
        var signals = new EdfSignalHeader[_channels];
        for (var c = 0; c < _channels; c++)
        {
            signals[c] = new EdfSignalHeader
            {
                Label = $"EEG {channelNames[c]}",
                TransducerType = "AgAgCl electrode",
                PhysicalDimension = "uV",
                PhysicalMinimum = -fullScale,
                PhysicalMaximum = fullScale,
                DigitalMinimum = Ads1299Frame.MinimumCount,
                DigitalMaximum = Ads1299Frame.MaximumCount,
                Prefiltering = $"ADS1299 gain {Ads1299Values.Multiplier(gain)}",
                SamplesPerRecord = sampleRate,
            };
        }

        _writer = new EdfStreamWriter(path, EdfFormat.Bdf, "X X X X", recordingId, start, 1.0, signals);
        Path = path;
    }

    public string Path { get; }

    public long SamplesWritten { get; private set; }

    public long GapSamples { get; private set; }

    /// <summary>Appends one frame; <paramref name="sampleIndex"/> is the acquisition's index, so holes become visible.</summary>
    public void Append(ReadOnlySpan<int> counts, long sampleIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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

    /// <summary>Completes the last second (holding the final value, annotated) and fixes the header's record count.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_position > 0)
        {
            _writer.AddAnnotation(SecondsAt(_nextSampleIndex), null,
                string.Create(CultureInfo.InvariantCulture, $"recording ends; last {_sampleRate - _position} samples of this second repeat the final value"));
            while (_position > 0)
            {
                Put(_lastValues);
            }
        }

        _writer.Dispose();
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
            _record[(c * _sampleRate) + _position] = counts[c];
        }

        _nextSampleIndex++;
        SamplesWritten++;
        if (++_position == _sampleRate)
        {
            _writer.WriteRecord(_record);
            _position = 0;
        }
    }

    private double SecondsAt(long sampleIndex) => (sampleIndex - _firstSampleIndex) / (double)_sampleRate;
}
