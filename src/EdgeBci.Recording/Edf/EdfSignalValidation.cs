namespace EdgeBci.Recording;

/// <summary>Checks that data signal headers and samples can be written as EDF/BDF.</summary>
internal static class EdfSignalValidation
{
    public static void ValidateRecordDuration(double recordDuration, string parameterName)
    {
        if (!(recordDuration > 0) || !double.IsFinite(recordDuration))
        {
            throw new ArgumentOutOfRangeException(parameterName, recordDuration, "A data record must last a positive, finite time.");
        }
    }

    public static void ValidateHeaders(EdfFormat format, IReadOnlyList<EdfSignalHeader> signals, string parameterName)
    {
        for (var s = 0; s < signals.Count; s++)
        {
            var signal = signals[s];
            var name = $"Signal {s + 1} ({signal.Label})";
            if (signal.IsAnnotation)
            {
                throw new ArgumentException($"{name}: give data signals only; the annotation signal is added for you.", parameterName);
            }

            if (signal.SamplesPerRecord < 1)
            {
                throw new ArgumentException($"{name}: samples per record must be at least 1, not {signal.SamplesPerRecord}.", parameterName);
            }

            if (signal.DigitalMinimum >= signal.DigitalMaximum
                || signal.DigitalMinimum < format.DigitalLimitMinimum()
                || signal.DigitalMaximum > format.DigitalLimitMaximum())
            {
                throw new ArgumentException(
                    $"{name}: digital range {signal.DigitalMinimum}..{signal.DigitalMaximum} must be increasing and within {format.DigitalLimitMinimum()}..{format.DigitalLimitMaximum()} for {format}.",
                    parameterName);
            }

            if (signal.PhysicalMinimum == signal.PhysicalMaximum || !double.IsFinite(signal.PhysicalMinimum) || !double.IsFinite(signal.PhysicalMaximum))
            {
                throw new ArgumentException($"{name}: physical minimum and maximum must be finite and different.", parameterName);
            }
        }
    }

    /// <summary>
    /// The signals with physical limits EDF's 8-character fields hold exactly, widened outward where needed (by less
    /// than the 8th digit), so the recording in memory and its file have the same scaling and every sample fits.
    /// </summary>
    public static IReadOnlyList<EdfSignalHeader> WithStorablePhysicalRanges(IReadOnlyList<EdfSignalHeader> signals)
    {
        var result = new EdfSignalHeader[signals.Count];
        for (var s = 0; s < signals.Count; s++)
        {
            var signal = signals[s];
            var ascending = signal.PhysicalMinimum < signal.PhysicalMaximum;
            result[s] = signal with
            {
                PhysicalMinimum = EdfHeaderCodec.StorableOutward(signal.PhysicalMinimum, upward: !ascending, $"signal {s + 1} ({signal.Label}) physical minimum"),
                PhysicalMaximum = EdfHeaderCodec.StorableOutward(signal.PhysicalMaximum, upward: ascending, $"signal {s + 1} ({signal.Label}) physical maximum"),
            };
        }

        return result;
    }

    /// <summary>The number of data records the samples make; every signal must agree and stay within its digital range.</summary>
    public static int RecordCount(EdfFormat format, IReadOnlyList<EdfSignalHeader> signals, IReadOnlyList<int[]> digital)
    {
        ValidateHeaders(format, signals, nameof(signals));
        var records = -1;
        for (var s = 0; s < signals.Count; s++)
        {
            var signal = signals[s];
            var samples = digital[s] ?? throw new ArgumentException($"Signal {s + 1} ({signal.Label}) has no samples.", nameof(digital));
            if (samples.Length % signal.SamplesPerRecord != 0)
            {
                throw new ArgumentException(
                    $"Signal {s + 1} ({signal.Label}): {samples.Length} samples is not a whole number of {signal.SamplesPerRecord}-sample data records.",
                    nameof(digital));
            }

            var count = samples.Length / signal.SamplesPerRecord;
            if (records >= 0 && count != records)
            {
                throw new ArgumentException($"Signal {s + 1} ({signal.Label}) makes {count} data records; the signals before it make {records}.", nameof(digital));
            }

            records = count;
            CheckRange(signal, samples, s);
        }

        return Math.Max(records, 0);
    }

    public static void CheckRange(EdfSignalHeader signal, ReadOnlySpan<int> samples, int index)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            if (samples[i] < signal.DigitalMinimum || samples[i] > signal.DigitalMaximum)
            {
                throw new ArgumentException(
                    $"Signal {index + 1} ({signal.Label}) sample {i} = {samples[i]} is outside its digital range {signal.DigitalMinimum}..{signal.DigitalMaximum}.");
            }
        }
    }
}
