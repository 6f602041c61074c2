using System.Globalization;

namespace EdgeBci.Release.Bundle;

/// <summary>
/// A release's version, <c>MAJOR.MINOR.PATCH</c> with an optional <c>-prerelease</c>. Ordered like <c>sort -V</c>
/// on the numbers, and a prerelease before its release, so the C# verifier and the bash installer agree on what a
/// downgrade is.
/// </summary>
public sealed class ReleaseVersion : IComparable<ReleaseVersion>, IEquatable<ReleaseVersion>
{
    private ReleaseVersion(int major, int minor, int patch, string? prerelease)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = prerelease;
    }

    public int Major { get; }

    public int Minor { get; }

    public int Patch { get; }

    /// <summary>The text after the dash, or null for a release.</summary>
    public string? Prerelease { get; }

    /// <summary>Reads a version; <paramref name="source"/> names where the text came from in the error.</summary>
    /// <exception cref="FormatException">Not <c>MAJOR.MINOR.PATCH[-prerelease]</c>; the message quotes the text.</exception>
    public static ReleaseVersion Parse(string text, string source = "version")
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version)
            ? version
            : throw new FormatException($"{source} \"{text}\" is not a release version (expected MAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH-prerelease, e.g. 0.2.0 or 0.2.0-rc.1).");
    }

    public static bool TryParse(string text, out ReleaseVersion version)
    {
        ArgumentNullException.ThrowIfNull(text);
        version = null!;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var numbers = dash < 0 ? text : text[..dash];
        string? prerelease = dash < 0 ? null : text[(dash + 1)..];
        if (prerelease is not null && (prerelease.Length == 0 || !IsPrereleaseText(prerelease)))
        {
            return false;
        }

        var parts = numbers.Split('.');
        if (parts.Length != 3 || !TryNumber(parts[0], out var major) || !TryNumber(parts[1], out var minor) || !TryNumber(parts[2], out var patch))
        {
            return false;
        }

        version = new ReleaseVersion(major, minor, patch, prerelease);
        return true;
    }

    public int CompareTo(ReleaseVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var numbers = Major != other.Major ? Major.CompareTo(other.Major)
            : Minor != other.Minor ? Minor.CompareTo(other.Minor)
            : Patch.CompareTo(other.Patch);
        if (numbers != 0)
        {
            return numbers;
        }

        return (Prerelease, other.Prerelease) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            _ => NaturalCompare(Prerelease, other.Prerelease),
        };
    }

    public bool Equals(ReleaseVersion? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is ReleaseVersion other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, Prerelease);

    public override string ToString() => Prerelease is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}")
        : string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}-{Prerelease}");

    public static bool operator ==(ReleaseVersion? left, ReleaseVersion? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(ReleaseVersion? left, ReleaseVersion? right) => !(left == right);

    public static bool operator <(ReleaseVersion left, ReleaseVersion right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator >(ReleaseVersion left, ReleaseVersion right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator <=(ReleaseVersion left, ReleaseVersion right) => !(left > right);

    public static bool operator >=(ReleaseVersion left, ReleaseVersion right) => !(left < right);

    private static bool TryNumber(string text, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 9 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    private static bool IsPrereleaseText(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '.' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs of digits compare as numbers and the rest as text, the way <c>sort -V</c> orders rc.2 before rc.10.</summary>
    private static int NaturalCompare(string left, string right)
    {
        int i = 0, j = 0;
        while (i < left.Length && j < right.Length)
        {
            if (char.IsAsciiDigit(left[i]) && char.IsAsciiDigit(right[j]))
            {
                var startI = i;
                var startJ = j;
                while (i < left.Length && char.IsAsciiDigit(left[i]))
                {
                    i++;
                }

                while (j < right.Length && char.IsAsciiDigit(right[j]))
                {
                    j++;
                }

                var a = left.AsSpan(startI, i - startI).TrimStart('0');
                var b = right.AsSpan(startJ, j - startJ).TrimStart('0');
                var byLength = a.Length.CompareTo(b.Length);
                var byDigits = byLength != 0 ? byLength : a.SequenceCompareTo(b);
                if (byDigits != 0)
                {
                    return byDigits;
                }
            }
            else
            {
                var byChar = left[i].CompareTo(right[j]);
                if (byChar != 0)
                {
                    return byChar;
                }

                i++;
                j++;
            }
        }

        return (left.Length - i).CompareTo(right.Length - j);
    }
}
