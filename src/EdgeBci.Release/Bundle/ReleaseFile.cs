using System.Security.Cryptography;

namespace EdgeBci.Release.Bundle;

/// <summary>One regular file of a release as its manifest lists it: relative path, size and SHA-256 (lower-case hex).</summary>
public sealed record ReleaseFile(string Path, long Size, string Sha256)
{
    /// <summary>Measures the file at <paramref name="fullPath"/>, listed as <paramref name="path"/>.</summary>
    public static ReleaseFile Measure(string path, string fullPath)
    {
        using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        var hash = SHA256.HashData(stream);
        return new ReleaseFile(path, stream.Length, Convert.ToHexStringLower(hash));
    }
}
