using System.Net.Sockets;

namespace EdgeBci.Tests.Shared;

/// <summary>Connections a test holds open on a Unix domain socket (a flood, or descriptors used up), as an attacker would.</summary>
internal static class UnixSocketConnections
{
    /// <summary>A connected socket; disposed again when the connect fails, so a refused flood leaks no descriptor.</summary>
    public static async Task<Socket> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
