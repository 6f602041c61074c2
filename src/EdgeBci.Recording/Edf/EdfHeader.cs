namespace EdgeBci.Recording;

/// <summary>The file-level header of an EDF/BDF file.</summary>
public sealed class EdfHeader
{
    public const int FixedBytes = 256;
    public const int BytesPerSignal = 256;

    public required EdfFormat Format { get; init; }

    public string PatientId { get; init; } = "X X X X";

    public string RecordingId { get; init; } = "Startdate X X X X";

    public DateTime StartDateTime { get; init; }

    public int HeaderBytes => FixedBytes + (BytesPerSignal * Signals.Count);

    /// <summary>"EDF+C"/"BDF+C" for continuous EDF+/BDF+, "EDF+D" for discontinuous, empty for plain EDF.</summary>
    public string Reserved { get; init; } = string.Empty;

    /// <summary>As stored in the file: -1 while a streaming writer has the file open (or lost power before closing).</summary>
    public long DataRecordCount { get; init; }

    public double RecordDuration { get; init; }

    public required IReadOnlyList<EdfSignalHeader> Signals { get; init; }

    public bool IsPlus => Reserved.StartsWith("EDF+", StringComparison.Ordinal) || Reserved.StartsWith("BDF+", StringComparison.Ordinal);

    /// <summary>Bytes of one data record: every signal's samples, one after the other.</summary>
    public long RecordBytes
    {
        get
        {
            long total = 0;
            foreach (var signal in Signals)
            {
                total += (long)signal.SamplesPerRecord * Format.BytesPerSample();
            }

            return total;
        }
    }
}
