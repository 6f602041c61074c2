using System.Globalization;
using System.Text;

namespace EdgeBci.Release.Bundle;

/// <summary>
/// A release's <c>manifest.txt</c>: what the bundle is (version, commit, runtime, boards, time) and every file in it
/// with size and SHA-256. The one reader (<see cref="Parse"/>) and the one writer (<see cref="Format"/>) of the format;
/// the signature covers the exact bytes <see cref="Format"/> produces, and the bash installer reads the same lines.
/// </summary>
public sealed class ReleaseManifest
{
    /// <summary>The first line: the format and its revision.</summary>
    public const string FormatLine = "edgebci-release 1";

    /// <summary>Written when the build did not come from a git checkout.</summary>
    public const string UnknownCommit = "unknown";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    private static readonly string[] HeaderKeys = ["edgebci-release", "version", "commit", "rid", "boards", "created"];

    private static readonly string[] HeaderShapes = [FormatLine, "version <MAJOR.MINOR.PATCH>", "commit <git commit>", "rid <linux-arm64|linux-x64>", "boards <board> ...", "created <yyyy-MM-ddTHH:mm:ssZ>"];

    public ReleaseManifest(ReleaseVersion version, string commit, string rid, IReadOnlyList<string> boards, DateTimeOffset created, IReadOnlyList<ReleaseFile> files)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(rid);
        ArgumentNullException.ThrowIfNull(boards);
        ArgumentNullException.ThrowIfNull(files);
        Fail(CommitProblem(commit), nameof(commit));
        Fail(RidProblem(rid), nameof(rid));
        Fail(BoardsProblem(boards), nameof(boards));
        var sorted = new List<ReleaseFile>(files);
        sorted.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        for (var index = 0; index < sorted.Count; index++)
        {
            Fail(FileProblem(sorted[index]), nameof(files));
            if (index > 0 && sorted[index].Path == sorted[index - 1].Path)
            {
                throw new ArgumentException($"{sorted[index].Path} is listed twice.", nameof(files));
            }
        }

        if (sorted.Count == 0)
        {
            throw new ArgumentException("a release lists at least one file.", nameof(files));
        }

        Version = version;
        Commit = commit;
        Rid = rid;
        Boards = [.. boards];
        Created = new DateTimeOffset(created.UtcDateTime.Ticks - (created.UtcDateTime.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        Files = sorted;
    }

    /// <summary>The runtimes a bundle can be built for.</summary>
    public static IReadOnlyList<string> SupportedRids { get; } = ["linux-arm64", "linux-x64"];

    public ReleaseVersion Version { get; }

    /// <summary>Full git commit of the build, or <see cref="UnknownCommit"/>.</summary>
    public string Commit { get; }

    public string Rid { get; }

    public IReadOnlyList<string> Boards { get; }

    /// <summary>When the bundle was signed, UTC, whole seconds; also every tar entry's modification time.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>Every file except manifest.txt and manifest.sig, sorted by ordinal path.</summary>
    public IReadOnlyList<ReleaseFile> Files { get; }

    /// <summary>Reads manifest text; <paramref name="sourceName"/> (normally manifest.txt) starts every error.</summary>
    /// <exception cref="ReleaseManifestException"><c>&lt;source&gt; line N: what is wrong</c>.</exception>
    public static ReleaseManifest Parse(string text, string sourceName = ReleasePath.ManifestFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        Exception Error(int line, string what) =>
            new ReleaseManifestException(string.Create(CultureInfo.InvariantCulture, $"{sourceName} line {line}: {what}"));

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            throw Error(1, "starts with a byte-order mark (the manifest is UTF-8 without one)");
        }

        // Split leaves an empty last element exactly when the text ends with a newline.
        var count = lines.Length - 1;
        if (lines[^1].Length > 0)
        {
            throw Error(lines.Length, "the last line does not end with a newline");
        }

        for (var index = 0; index < count; index++)
        {
            var line = lines[index];
            if (line.Contains('\r', StringComparison.Ordinal))
            {
                throw Error(index + 1, "has a carriage return (the manifest uses LF line ends)");
            }

            if (line.Length > 0 && line[^1] is ' ' or '\t')
            {
                throw Error(index + 1, "ends with a space");
            }
        }

        var header = new string[HeaderKeys.Length];
        for (var index = 0; index < HeaderKeys.Length; index++)
        {
            if (index >= count)
            {
                throw Error(index + 1, $"expected \"{HeaderShapes[index]}\", found the end of the file");
            }

            var line = lines[index];
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || line[..space] != HeaderKeys[index] || space == line.Length - 1)
            {
                throw Error(index + 1, $"expected \"{HeaderShapes[index]}\", found \"{line}\"");
            }

            header[index] = line[(space + 1)..];
            LineCheck(HeaderProblem(index, header[index]), index + 1);
        }

        var version = ReleaseVersion.Parse(header[1]);
        var boards = header[4].Split(' ');
        var created = DateTimeOffset.ParseExact(header[5], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var files = new List<ReleaseFile>();
        for (var index = HeaderKeys.Length; index < count; index++)
        {
            var lineNumber = index + 1;
            var fields = lines[index].Split(' ');
            if (fields.Length != 4 || fields[0] != "file")
            {
                throw Error(lineNumber, $"expected \"file <sha256> <size> <path>\", found \"{lines[index]}\"");
            }

            if (!long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                throw Error(lineNumber, $"size \"{fields[2]}\" is not a whole number of bytes");
            }

            var file = new ReleaseFile(fields[3], size, fields[1]);
            LineCheck(FileProblem(file), lineNumber);
            if (files.Count > 0 && string.CompareOrdinal(files[^1].Path, file.Path) >= 0)
            {
                throw Error(lineNumber, files[^1].Path == file.Path
                    ? $"{file.Path} is listed twice"
                    : $"{file.Path} is out of order (file lines are sorted by ordinal path)");
            }

            files.Add(file);
        }

        if (files.Count == 0)
        {
            throw Error(count + 1, "expected \"file <sha256> <size> <path>\" lines, found none");
        }

        return new ReleaseManifest(version, header[2], header[3], boards, created, files);

        void LineCheck(string? problem, int line)
        {
            if (problem is not null)
            {
                throw Error(line, problem);
            }
        }
    }

    /// <summary>The exact bytes of manifest.txt: UTF-8 without BOM, LF, fixed line order.</summary>
    public byte[] Format()
    {
        var text = new StringBuilder();
        text.Append(FormatLine).Append('\n');
        text.Append("version ").Append(Version.ToString()).Append('\n');
        text.Append("commit ").Append(Commit).Append('\n');
        text.Append("rid ").Append(Rid).Append('\n');
        text.Append("boards ").Append(string.Join(' ', Boards)).Append('\n');
        text.Append("created ").Append(Created.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)).Append('\n');
        foreach (var file in Files)
        {
            text.Append(CultureInfo.InvariantCulture, $"file {file.Sha256} {file.Size} {file.Path}\n");
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }

    /// <summary>True when the bundle lists <paramref name="board"/>.</summary>
    public bool ListsBoard(string board)
    {
        foreach (var listed in Boards)
        {
            if (listed == board)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What is wrong with the value of header line <paramref name="index"/> (0-based), or null.</summary>
    private static string? HeaderProblem(int index, string value) => index switch
    {
        0 => value == "1" ? null : $"format revision {value} is not one this verifier reads (expected \"{FormatLine}\")",
        1 => ReleaseVersion.TryParse(value, out _) ? null : $"\"{value}\" is not a release version (MAJOR.MINOR.PATCH[-prerelease])",
        2 => CommitProblem(value),
        3 => RidProblem(value),
        4 => BoardsProblem(value.Split(' ')),
        _ => DateTimeOffset.TryParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
            ? null
            : $"\"{value}\" is not a UTC time of the form yyyy-MM-ddTHH:mm:ssZ",
    };

    private static void Fail(string? problem, string parameter)
    {
        if (problem is not null)
        {
            throw new ArgumentException(problem + ".", parameter);
        }
    }

    private static string? CommitProblem(string commit)
    {
        if (commit == UnknownCommit)
        {
            return null;
        }

        var hex = commit.Length is >= 7 and <= 64;
        foreach (var c in commit)
        {
            hex &= char.IsAsciiDigit(c) || char.IsAsciiHexDigitLower(c);
        }

        return hex ? null : $"commit \"{commit}\" is neither a git commit (lower-case hex) nor \"{UnknownCommit}\"";
    }

    private static string? RidProblem(string rid)
    {
        foreach (var supported in SupportedRids)
        {
            if (rid == supported)
            {
                return null;
            }
        }

        return $"rid \"{rid}\" is not one of {string.Join(", ", SupportedRids)}";
    }

    private static string? BoardsProblem(IReadOnlyList<string> boards)
    {
        if (boards.Count == 0)
        {
            return "no boards are listed";
        }

        foreach (var board in boards)
        {
            var valid = board.Length > 0;
            foreach (var c in board)
            {
                valid &= char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.';
            }

            if (!valid)
            {
                return $"board \"{board}\" is not a board name (lower-case letters, digits, '-', '_', '.'; names separated by one space)";
            }
        }

        return null;
    }

    private static string? FileProblem(ReleaseFile file)
    {
        if (ReleasePath.Problem(file.Path) is { } pathProblem)
        {
            return $"\"{file.Path}\": {pathProblem}";
        }

        if (ReleasePath.IsSeal(file.Path))
        {
            return $"{file.Path} seals the release and cannot be listed in it";
        }

        if (file.Size < 0)
        {
            return $"{file.Path}: the size is negative";
        }

        var hex = file.Sha256.Length == 64;
        foreach (var c in file.Sha256)
        {
            hex &= char.IsAsciiDigit(c) || char.IsAsciiHexDigitLower(c);
        }

        return hex ? null : $"{file.Path}: sha256 \"{file.Sha256}\" is not 64 lower-case hex digits";
    }
}
