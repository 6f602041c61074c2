namespace EdgeBci.Recording;

/// <summary>One signal's header fields, as EDF stores them (labels, units, scaling, samples per data record).</summary>
public sealed record EdfSignalHeader
{
    public const string EdfAnnotationLabel = "EDF Annotations";
    public const string BdfAnnotationLabel = "BDF Annotations";

    public string Label { get; init; } = string.Empty;

    public string TransducerType { get; init; } = string.Empty;

    public string PhysicalDimension { get; init; } = string.Empty;

    public double PhysicalMinimum { get; init; }

    public double PhysicalMaximum { get; init; }

    public int DigitalMinimum { get; init; }

    public int DigitalMaximum { get; init; }

    public string Prefiltering { get; init; } = string.Empty;

    public int SamplesPerRecord { get; init; }

    public string Reserved { get; init; } = string.Empty;

    public bool IsAnnotation =>
        string.Equals(Label.Trim(), EdfAnnotationLabel, StringComparison.Ordinal)
        || string.Equals(Label.Trim(), BdfAnnotationLabel, StringComparison.Ordinal);

    /// <summary>Physical units per digital step.</summary>
    public double Gain => (PhysicalMaximum - PhysicalMinimum) / ((double)DigitalMaximum - DigitalMinimum);

    /// <summary>Physical value of digital zero.</summary>
    public double Offset => PhysicalMaximum - (Gain * DigitalMaximum);

    public string NormalizedLabel => ChannelLabel.Normalize(Label);

    public double ToPhysical(int digital) => (Gain * digital) + Offset;

    /// <summary>An annotation signal of the given size for a format (the values EDF+ prescribes for it).</summary>
    public static EdfSignalHeader Annotation(EdfFormat format, int bytesPerRecord)
    {
        var bytesPerSample = format.BytesPerSample();
        return new EdfSignalHeader
        {
            Label = format.AnnotationLabel(),
            PhysicalMinimum = format.DigitalLimitMinimum(),
            PhysicalMaximum = format.DigitalLimitMaximum(),
            DigitalMinimum = format.DigitalLimitMinimum(),
            DigitalMaximum = format.DigitalLimitMaximum(),
            SamplesPerRecord = (bytesPerRecord + bytesPerSample - 1) / bytesPerSample,
        };
    }
}
