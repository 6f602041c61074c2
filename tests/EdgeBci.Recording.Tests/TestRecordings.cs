using System.Text;

namespace EdgeBci.Recording.Tests;

/// <summary>Small recordings built in code, and the byte layout of the EDF header the corruption tests aim at.</summary>
internal static class TestRecordings
{
    public static readonly DateTime Start = new(2024, 3, 5, 14, 30, 15);

    public const string PatientId = "P-042 M 01-JAN-1990 Tester";

    public const string RecordingId = "Startdate 05-MAR-2024 R-7 Lab EdgeBci";

    public const double RecordDuration = 0.5;

    /// <summary>Three signals at different rates and units: 16 Hz and 8 Hz EEG, 4 Hz temperature.</summary>
    public static IReadOnlyList<EdfSignalHeader> SmallSignals(EdfFormat format)
    {
        var (min, max) = DigitalLimits(format);
        return
        [
            new EdfSignalHeader
            {
                Label = "EEG Fp1", TransducerType = "AgAgCl electrode", PhysicalDimension = "uV", Prefiltering = "HP:0.1Hz LP:70Hz",
                PhysicalMinimum = -3276.8, PhysicalMaximum = 3276.7, DigitalMinimum = min, DigitalMaximum = max, SamplesPerRecord = 8,
            },
            new EdfSignalHeader
            {
                Label = "C3..", PhysicalDimension = "mV",
                PhysicalMinimum = -200, PhysicalMaximum = 200, DigitalMinimum = -2048, DigitalMaximum = 2047, SamplesPerRecord = 4,
            },
            new EdfSignalHeader
            {
                Label = "Temp", TransducerType = "Thermistor", PhysicalDimension = "degC",
                PhysicalMinimum = 30, PhysicalMaximum = 40, DigitalMinimum = 0, DigitalMaximum = 1000, SamplesPerRecord = 2,
            },
        ];
    }

    public static IReadOnlyList<EdfAnnotation> SmallAnnotations { get; } =
    [
        new(0.25, 1.5, "cue left"),
        new(1, null, "blink"),
        new(1.75, 0.125, "Ωmega ünïcode 脑电"),
    ];

    public static (int Min, int Max) DigitalLimits(EdfFormat format) =>
        format == EdfFormat.Edf ? (short.MinValue, short.MaxValue) : (-8_388_608, 8_388_607);

    /// <summary>Deterministic samples covering each signal's digital range, its two extremes included.</summary>
    public static int[][] Digital(IReadOnlyList<EdfSignalHeader> signals, int records)
    {
        var result = new int[signals.Count][];
        for (var s = 0; s < signals.Count; s++)
        {
            var header = signals[s];
            var span = (long)header.DigitalMaximum - header.DigitalMinimum + 1;
            var values = new int[header.SamplesPerRecord * records];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = (int)(header.DigitalMinimum + ((((k + 1) * 2_654_435_761L) + (s * 40_503L)) % span));
            }

            values[0] = header.DigitalMinimum;
            values[^1] = header.DigitalMaximum;
            result[s] = values;
        }

        return result;
    }

    public static EdfRecording Small(EdfFormat format, int records = 4)
    {
        var signals = SmallSignals(format);
        return EdfRecording.Create(format, PatientId, RecordingId, Start, RecordDuration, signals, Digital(signals, records), SmallAnnotations);
    }

    public static byte[] Bytes(EdfRecording recording)
    {
        using var stream = new MemoryStream();
        EdfWriter.Write(stream, recording);
        return stream.ToArray();
    }

    public static EdfRecording Read(byte[] bytes, string origin)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return EdfReader.Read(stream, origin);
    }

    /// <summary>Index of the first byte where the two arrays differ (the shorter length if one is a prefix), or -1.</summary>
    public static long FirstDifference(byte[] expected, byte[] actual)
    {
        var common = expected.AsSpan().CommonPrefixLength(actual);
        return common == expected.Length && common == actual.Length ? -1 : common;
    }

    public static string Describe(byte[] bytes, long at)
    {
        if (at < 0 || at >= bytes.Length)
        {
            return "(end)";
        }

        var from = (int)Math.Max(0, at - 8);
        var to = (int)Math.Min(bytes.Length, at + 8);
        return Convert.ToHexString(bytes, from, to - from);
    }

    /// <summary>Data signals (annotation signals left out) of a recording, with their indices in the file.</summary>
    public static int[] DataSignalIndices(EdfRecording recording) =>
        Enumerable.Range(0, recording.Header.Signals.Count).Where(i => !recording.Header.Signals[i].IsAnnotation).ToArray();

    public static string Ascii(byte[] bytes, int offset, int length) => Encoding.ASCII.GetString(bytes, offset, length);

    public static void Overwrite(byte[] bytes, int offset, int width, string text)
    {
        var field = Encoding.ASCII.GetBytes(text.PadRight(width));
        Assert.That(field, Has.Length.EqualTo(width), $"field text '{text}' does not fit {width} bytes");
        field.CopyTo(bytes, offset);
    }
}

/// <summary>Byte positions of the EDF header fields (the same for BDF).</summary>
internal static class EdfLayout
{
    public const int Version = 0;
    public const int StartDate = 168;
    public const int HeaderBytes = 184;
    public const int Reserved = 192;
    public const int RecordCount = 236;
    public const int RecordDuration = 244;
    public const int SignalCount = 252;

    private static readonly int[] Widths = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32];

    public enum SignalField
    {
        Label,
        TransducerType,
        PhysicalDimension,
        PhysicalMinimum,
        PhysicalMaximum,
        DigitalMinimum,
        DigitalMaximum,
        Prefiltering,
        SamplesPerRecord,
        Reserved,
    }

    public static int Width(SignalField field) => Widths[(int)field];

    public static int Offset(int signalCount, SignalField field, int signal)
    {
        var offset = 256;
        for (var f = 0; f < (int)field; f++)
        {
            offset += Widths[f] * signalCount;
        }

        return offset + (signal * Widths[(int)field]);
    }

    public static int SignalCountOf(byte[] file) => int.Parse(TestRecordings.Ascii(file, SignalCount, 4).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public static int HeaderBytesOf(byte[] file) => 256 * (SignalCountOf(file) + 1);

    /// <summary>Where the annotation signal's bytes of data record <paramref name="record"/> start, and how many there are.</summary>
    public static (int Start, int Length) AnnotationBytes(EdfRecording recording, int record)
    {
        var header = recording.Header;
        var bytesPerSample = header.Format == EdfFormat.Edf ? 2 : 3;
        var recordBytes = header.Signals.Sum(s => s.SamplesPerRecord) * bytesPerSample;
        var offset = 256 * (header.Signals.Count + 1) + (record * recordBytes);
        foreach (var signal in header.Signals)
        {
            if (signal.IsAnnotation)
            {
                return (offset, signal.SamplesPerRecord * bytesPerSample);
            }

            offset += signal.SamplesPerRecord * bytesPerSample;
        }

        throw new AssertionException("the recording has no annotation signal");
    }

    public static int FileLength(EdfRecording recording, int records)
    {
        var header = recording.Header;
        var bytesPerSample = header.Format == EdfFormat.Edf ? 2 : 3;
        return (256 * (header.Signals.Count + 1)) + (records * header.Signals.Sum(s => s.SamplesPerRecord) * bytesPerSample);
    }
}

/// <summary>A fresh directory for one test, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        FullPath = Path.Combine(Path.GetTempPath(), "edgebci-recording-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string File(string name) => Path.Combine(FullPath, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failing test; the OS temp cleaner gets it.
        }
    }
}
