namespace EdgeBci.Release.Bundle;

/// <summary>A manifest.txt that does not follow the format; the message is <c>manifest.txt line N: what</c>.</summary>
public sealed class ReleaseManifestException : Exception
{
    public ReleaseManifestException(string message)
        : base(message)
    {
    }

    public ReleaseManifestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
