using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeBci.Control.Local;

/// <summary>
/// Who is at the other end of a local command connection, as the kernel reports it (SO_PEERCRED), not as the client
/// says: the process, and its effective user and group when it connected; the user's name where /etc/passwd has it.
/// </summary>
public sealed record LocalCaller(int ProcessId, uint UserId, uint GroupId, string? UserName)
{
    /// <summary>root: what <c>sudo edgebci arm</c> runs as.</summary>
    public const uint RootUserId = 0;

    // SOL_SOCKET and SO_PEERCRED as the generic Linux ABI numbers them (x86-64, arm64); struct ucred { pid_t; uid_t; gid_t; }.
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int UcredBytes = 12;

    /// <summary>Root and the firmware's own user may command the unit; anyone else who reached the socket may not.</summary>
    public bool MayCommand(uint firmwareUserId) => UserId == RootUserId || UserId == firmwareUserId;

    /// <summary>"uid 0 (root), pid 1234": how the firmware names a caller in its log and its replies.</summary>
    public override string ToString() => UserName is null ? $"uid {UserId}, pid {ProcessId}" : $"uid {UserId} ({UserName}), pid {ProcessId}";

    /// <summary>
    /// The peer of a connected Unix socket; null where the OS has no SO_PEERCRED (not Linux). Throws
    /// <see cref="SocketException"/> when the kernel refuses the query.
    /// </summary>
    public static LocalCaller? Of(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> ucred = stackalloc byte[UcredBytes];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != UcredBytes)
        {
            throw new SocketException((int)SocketError.InvalidArgument, $"SO_PEERCRED returned {length} bytes, not the {UcredBytes} of struct ucred");
        }

        var userId = MemoryMarshal.Read<uint>(ucred[4..]);
        return new LocalCaller(MemoryMarshal.Read<int>(ucred), userId, MemoryMarshal.Read<uint>(ucred[8..]), UnixUsers.Name(userId));
    }
}
