namespace EdgeBci.Release.Bundle;

/// <summary>A release refused by one check; the message is the one line the contract fixes for it (without a prefix).</summary>
public sealed class ReleaseVerificationException : Exception
{
    public ReleaseVerificationException(ReleaseCheck check, string message)
        : base(message)
    {
        Check = check;
    }

    public ReleaseVerificationException(ReleaseCheck check, string message, Exception inner)
        : base(message, inner)
    {
        Check = check;
    }

    /// <summary>The check that failed.</summary>
    public ReleaseCheck Check { get; }
}
