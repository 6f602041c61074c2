using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeBci.Release.Tests.Deploy;

/// <summary>The host's systemd-analyze: unit verification, the offline security rating and the syscall groups.</summary>
internal static partial class SystemdAnalyze
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    public static Result Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("systemd-analyze")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No pager, no colours, no terminal-width truncation of the security table.
        start.Environment["SYSTEMD_PAGER"] = "cat";
        start.Environment["SYSTEMD_COLORS"] = "0";
        start.Environment["COLUMNS"] = "250";
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("systemd-analyze did not start (is systemd installed? the deploy tests need it).");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"systemd-analyze {string.Join(' ', arguments)} did not finish within {Patience.TotalSeconds} s.");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>The overall exposure that <c>systemd-analyze security --offline=yes</c> gives the unit file (0.0 to 10.0).</summary>
    public static double OfflineExposure(string unitPath)
    {
        var result = Run("security", "--offline=yes", "--no-pager", unitPath);
        var match = OverallExposure().Match(result.Output);
        return match.Success
            ? double.Parse(match.Groups["level"].Value, CultureInfo.InvariantCulture)
            : throw new FormatException($"systemd-analyze security printed no overall exposure level for {unitPath}:\n{result}");
    }

    /// <summary>The system calls a <c>SystemCallFilter=</c> sequence lets through, with every @group expanded by systemd itself.</summary>
    public static IReadOnlySet<string> AllowedSystemCalls(IReadOnlyList<string> filterAssignments)
    {
        if (filterAssignments.Count == 0 || filterAssignments[0].StartsWith('~'))
        {
            throw new FormatException("The first SystemCallFilter= must be an allow list (the tests reason about what it lets through).");
        }

        // systemd: the first assignment makes an allow list; later ones add to it, "~" ones take away.
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assignment in filterAssignments)
        {
            var remove = assignment.StartsWith('~');
            foreach (var item in assignment.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (var call in Expand(item, new HashSet<string>(StringComparer.Ordinal)))
                {
                    if (remove)
                    {
                        allowed.Remove(call);
                    }
                    else
                    {
                        allowed.Add(call);
                    }
                }
            }
        }

        return allowed;
    }

    private static IEnumerable<string> Expand(string item, HashSet<string> seen)
    {
        if (!item.StartsWith('@'))
        {
            return [item];
        }

        if (!seen.Add(item))
        {
            return [];
        }

        var result = Run("syscall-filter", "--no-pager", item);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"systemd-analyze syscall-filter {item} failed (an unknown group?):\n{result}");
        }

        var calls = new List<string>();
        // The first line names the group itself; the rest are its members, comments or "# Unlisted..." notes.
        foreach (var raw in result.Output.Split('\n').Skip(1))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            calls.AddRange(Expand(line, seen));
        }

        return calls;
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (?<level>\d+\.\d+)")]
    private static partial Regex OverallExposure();
}
