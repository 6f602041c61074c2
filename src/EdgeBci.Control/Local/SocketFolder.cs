using System.Runtime.InteropServices;

namespace EdgeBci.Control.Local;

/// <summary>
/// The folder the command socket lives in. Whoever can write to it can replace the socket with their own (and hear the
/// next <c>edgebci arm</c>), so the firmware creates it private (0700) when it is missing, and otherwise uses it only if
/// nobody else can: owned by this user or root, and not writable by group or others unless sticky (/tmp). It never
/// changes the mode of a folder it did not create: that folder is someone else's decision (systemd's
/// RuntimeDirectory, a shared /run).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static partial class SocketFolder
{
    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>
    /// Creates <paramref name="folder"/> 0700 when it does not exist, then checks it (see the class). Throws
    /// <see cref="IOException"/> naming the folder and what is wrong with it.
    /// </summary>
    public static void Prepare(string folder, uint? userId)
    {
        try
        {
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder, PrivateMode);
            }
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new IOException($"the command socket folder {folder} cannot be created: {exception.Message}", exception);
        }

        // Checked after creating it too: a folder someone else made between the two calls is not ours.
        if (Problem(folder, userId) is { } problem)
        {
            throw new IOException($"the command socket folder {folder} {problem}; the socket is not opened there (set Control:CommandSocket to a path in a folder only this user can write)");
        }
    }

    /// <summary>What lets someone else replace a socket in <paramref name="folder"/>, or null when nothing does.</summary>
    public static string? Problem(string folder, uint? userId)
    {
        var status = Status.Of(folder);
        if (userId is { } self && status.Owner is { } owner && owner != self && owner != LocalCaller.RootUserId)
        {
            return $"belongs to uid {owner} ({UnixUsers.Name(owner) ?? "no name"}), neither this user (uid {self}) nor root";
        }

        if ((status.Mode & WritableByOthers) != 0 && (status.Mode & UnixFileMode.StickyBit) == 0)
        {
            return $"has mode {Octal(status.Mode)}: writable by {((status.Mode & UnixFileMode.OtherWrite) != 0 ? "everyone" : "its group")} without the sticky bit";
        }

        return null;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    /// <summary>The folder's mode and, on Linux, its owner (statx: one layout on every architecture).</summary>
    private readonly record struct Status(UnixFileMode Mode, uint? Owner)
    {
        private const int AtFileDescriptorOfWorkingFolder = -100;
        private const uint WantModeAndOwner = 0x2 | 0x8;
        private const int StatxSize = 256;
        private const int OwnerOffset = 20;

        public static Status Of(string folder)
        {
            var mode = File.GetUnixFileMode(folder);
            if (!OperatingSystem.IsLinux())
            {
                return new Status(mode, null);
            }

            var buffer = new byte[StatxSize];
            if (Statx(AtFileDescriptorOfWorkingFolder, folder, 0, WantModeAndOwner, buffer) != 0)
            {
                throw new IOException($"cannot read who owns the command socket folder {folder} (statx errno {Marshal.GetLastPInvokeError()})");
            }

            return new Status(mode, BitConverter.ToUInt32(buffer, OwnerOffset));
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folderDescriptor, string path, int flags, uint mask, [Out] byte[] buffer);
}
