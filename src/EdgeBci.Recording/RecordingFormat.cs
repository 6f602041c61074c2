namespace EdgeBci.Recording;

/// <summary>
/// The one rule every writer of a recording follows: the file's extension names its format. ".bdf" is BDF+ (24-bit
/// samples), ".edf" is EDF+ (16-bit); anything else is refused, and so is a requested format the name contradicts,
/// because a viewer trusts the name and refuses (or misreads) a file whose bytes say otherwise.
/// </summary>
public static class RecordingFormat
{
    /// <summary>The format <paramref name="path"/>'s extension asks for.</summary>
    /// <param name="requested">A format the user also named (e.g. <c>--format edf</c>), or null; it must agree with the name.</param>
    /// <exception cref="ArgumentException">The extension is neither .bdf nor .edf, or <paramref name="requested"/> is unknown or contradicts it.</exception>
    public static EdfFormat FromPath(string path, string? requested = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(path);
        EdfFormat format;
        if (string.Equals(extension, ".bdf", StringComparison.OrdinalIgnoreCase))
        {
            format = EdfFormat.Bdf;
        }
        else if (string.Equals(extension, ".edf", StringComparison.OrdinalIgnoreCase))
        {
            format = EdfFormat.Edf;
        }
        else
        {
            throw new ArgumentException(
                $"'{path}': the extension '{extension}' names no recording format; end the name in .bdf (BDF+, 24-bit) or .edf (EDF+, 16-bit).", nameof(path));
        }

        if (requested is not null)
        {
            var asked = requested.Trim().ToLowerInvariant() switch
            {
                "bdf" => EdfFormat.Bdf,
                "edf" => EdfFormat.Edf,
                _ => throw new ArgumentException($"format '{requested}' is not allowed; allowed: bdf | edf.", nameof(requested)),
            };
            if (asked != format)
            {
                throw new ArgumentException(
                    $"format '{requested}' contradicts the file name '{path}', whose extension '{extension}' means {Describe(format)}; name the file *.{asked.ToString().ToLowerInvariant()} or drop the format.",
                    nameof(requested));
            }
        }

        return format;
    }

    /// <summary>"BDF+ (24-bit)" or "EDF+ (16-bit)".</summary>
    public static string Describe(EdfFormat format) => format == EdfFormat.Bdf ? "BDF+ (24-bit)" : "EDF+ (16-bit)";
}
