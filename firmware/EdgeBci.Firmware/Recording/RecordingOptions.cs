namespace EdgeBci.Firmware;

/// <summary>The recorder's configuration (section "Recording").</summary>
internal sealed class RecordingOptions
{
    public const string Section = "Recording";

    /// <summary>Where recordings go; empty: /var/lib/edgebci/recordings when writable (the unit), else the temp folder's edgebci-recordings.</summary>
    public string Folder { get; set; } = string.Empty;

    /// <summary>The longest recording one command may ask for, and the length of one that names none (s).</summary>
    public int MaxSeconds { get; set; } = 3600;

    /// <summary>"bdf" (BDF+, lossless 24-bit counts) or "edf" (EDF+, 16-bit): the extension the files get, which decides their format.</summary>
    public string Format { get; set; } = "bdf";

    /// <summary>
    /// Free space (MB) the recordings leave on their file system, for the event journal and the system: a recording
    /// does not start below it and stops cleanly, with an event, when it falls below. 0 turns the guard off.
    /// </summary>
    public int MinFreeMegabytes { get; set; } = 200;

    /// <summary>The most the recordings folder may hold (MB): the oldest finished recordings are deleted beyond it.</summary>
    public int QuotaMegabytes { get; set; } = 8192;

    /// <summary>The most recordings the folder keeps: the oldest finished ones are deleted beyond it.</summary>
    public int MaxFiles { get; set; } = 100;

    /// <summary>Every value out of range, by key (unknown keys are refused when the section is bound).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxSeconds is < 1 or > 86_400)
        {
            problems.Add($"{Section}:MaxSeconds = {MaxSeconds}: use 1 to 86400");
        }

        if (Format is not ("bdf" or "edf"))
        {
            problems.Add($"{Section}:Format = '{Format}' is not allowed; allowed: bdf | edf");
        }

        if (MinFreeMegabytes is < 0 or > 1_048_576)
        {
            problems.Add($"{Section}:MinFreeMegabytes = {MinFreeMegabytes}: use 0 to 1048576 (0 turns the free-space guard off)");
        }

        if (QuotaMegabytes is < 1 or > 16_777_216)
        {
            problems.Add($"{Section}:QuotaMegabytes = {QuotaMegabytes}: use 1 to 16777216");
        }

        if (MaxFiles is < 1 or > 100_000)
        {
            problems.Add($"{Section}:MaxFiles = {MaxFiles}: use 1 to 100000");
        }

        return problems;
    }
}
