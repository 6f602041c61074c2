namespace EdgeBci.Recording;

/// <summary>
/// Makes an EDF+ (16-bit) recording from any EDF/BDF recording. Signals whose digital range already fits 16 bits are
/// copied untouched (lossless); wider ones (24-bit counts) are requantized over the range their data spans, so the
/// 65536 steps are spent where the signal is rather than on the converter's whole ±full scale.
/// </summary>
public static class SixteenBitRecording
{
    /// <summary>The EDF+ recording, and each data signal's physical units per digital step in it.</summary>
    public static (EdfRecording Recording, double[] UnitsPerStep) From(EdfRecording source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var header = source.Header;
        var signals = new List<EdfSignalHeader>();
        var digital = new List<int[]>();
        for (var s = 0; s < header.Signals.Count; s++)
        {
            var signal = header.Signals[s];
            if (signal.IsAnnotation)
            {
                continue;
            }

            if (signal.DigitalMinimum >= short.MinValue && signal.DigitalMaximum <= short.MaxValue)
            {
                signals.Add(signal);
                digital.Add(source.GetDigital(s).ToArray());
                continue;
            }

            var (requantized, counts) = Requantize(signal, source.GetPhysical(s));
            signals.Add(requantized);
            digital.Add(counts);
        }

        var recording = EdfRecording.Create(EdfFormat.Edf, header.PatientId, header.RecordingId, header.StartDateTime, header.RecordDuration,
            signals, digital, source.Annotations);
        var steps = new double[signals.Count];
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = Math.Abs(recording.Header.Signals[i].Gain);
        }

        return (recording, steps);
    }

    private static (EdfSignalHeader Signal, int[] Digital) Requantize(EdfSignalHeader signal, double[] physical)
    {
        var low = double.PositiveInfinity;
        var high = double.NegativeInfinity;
        foreach (var value in physical)
        {
            low = Math.Min(low, value);
            high = Math.Max(high, value);
        }

        if (physical.Length == 0 || low == high)
        {
            // A flat (or empty) signal still needs a range; one source step either side keeps its value exact enough.
            var margin = Math.Max(Math.Abs(signal.Gain), Math.Abs(low) * 1e-6);
            low = (physical.Length == 0 ? 0 : low) - margin;
            high = (physical.Length == 0 ? 0 : high) + margin;
        }

        var result = EdfSignalValidation.WithStorablePhysicalRanges(
            [signal with { PhysicalMinimum = low, PhysicalMaximum = high, DigitalMinimum = short.MinValue, DigitalMaximum = short.MaxValue }])[0];
        var gain = result.Gain;
        var offset = result.Offset;
        var counts = new int[physical.Length];
        for (var k = 0; k < counts.Length; k++)
        {
            counts[k] = (int)Math.Clamp(Math.Round((physical[k] - offset) / gain), short.MinValue, short.MaxValue);
        }

        return (result, counts);
    }
}
