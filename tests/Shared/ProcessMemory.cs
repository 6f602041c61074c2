using System.Globalization;

namespace EdgeBci.Tests.Shared;

/// <summary>A process's resident memory (VmRSS in /proc/&lt;pid&gt;/status), read around a flood or a soak.</summary>
internal static class ProcessMemory
{
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var digits = line.AsSpan(6).Trim();
                var space = digits.IndexOf(' ');
                return long.Parse(space < 0 ? digits : digits[..space], NumberStyles.None, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line.");
    }

    public static double ResidentMiB(int pid) => ResidentBytes(pid) / 1048576.0;
}
