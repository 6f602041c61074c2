namespace EdgeBci.Recording;

/// <summary>EDF stores 16-bit samples; BDF (BioSemi) stores 24-bit ones, wide enough for ADS1299 counts.</summary>
public enum EdfFormat
{
    Edf,
    Bdf,
}

internal static class EdfFormatFacts
{
    public static int BytesPerSample(this EdfFormat format) => format == EdfFormat.Bdf ? 3 : 2;

    public static int DigitalLimitMinimum(this EdfFormat format) => format == EdfFormat.Bdf ? -(1 << 23) : short.MinValue;

    public static int DigitalLimitMaximum(this EdfFormat format) => format == EdfFormat.Bdf ? (1 << 23) - 1 : short.MaxValue;

    public static string AnnotationLabel(this EdfFormat format) => format == EdfFormat.Bdf ? "BDF Annotations" : "EDF Annotations";

    public static string ContinuousReserved(this EdfFormat format) => format == EdfFormat.Bdf ? "BDF+C" : "EDF+C";
}
