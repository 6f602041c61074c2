using System.Runtime.InteropServices;

namespace EdgeBci.Firmware;

/// <summary>
/// Whether reading the console would stop the process: on Linux a process in the background of its terminal that
/// touches it (reads, or sets it up as .NET's console does) receives SIGTTIN/SIGTTOU and is stopped, and a stopped
/// firmware sends no heartbeat. Redirected input (a pipe, a file, /dev/null under systemd) never does that.
/// </summary>
internal static partial class Terminal
{
    /// <summary>True when standard input is a terminal whose foreground process group is not this process's.</summary>
    public static bool InputIsBackgroundTerminal()
    {
        if (Console.IsInputRedirected || !OperatingSystem.IsLinux())
        {
            return false;
        }

        var foreground = ForegroundProcessGroup(0);
        return foreground >= 0 && foreground != ProcessGroup();
    }

    [LibraryImport("libc", EntryPoint = "tcgetpgrp")]
    private static partial int ForegroundProcessGroup(int fileDescriptor);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    private static partial int ProcessGroup();
}
