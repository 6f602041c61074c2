namespace EdgeBci.Signal.Quality;

/// <summary>Which electrodes sit over the frontal regions, where blinks show, from their 10-20/10-10 names.</summary>
internal static class FrontalElectrodes
{
    /// <summary>True when the letter part of <paramref name="name"/> is one of <paramref name="regions"/> ("Fp1" is in "Fp").</summary>
    public static bool IsFrontal(string name, IReadOnlyList<string> regions)
    {
        // The letter part of a 10-20 name: "Fp1" -> "Fp", "Fz" -> "F", "AFz" -> "AF", "FC3" -> "FC".
        var span = (name ?? string.Empty).AsSpan().Trim();
        var end = span.Length;
        while (end > 0 && char.IsAsciiDigit(span[end - 1]))
        {
            end--;
        }

        if (end == span.Length && end > 1 && span[end - 1] is 'z' or 'Z')
        {
            end--;
        }

        var region = span[..end];
        foreach (var candidate in regions)
        {
            if (region.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
