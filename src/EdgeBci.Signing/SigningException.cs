namespace EdgeBci.Signing;

/// <summary>A key, signature or trust folder that cannot be used; the message names the file and what is wrong with it.</summary>
public sealed class SigningException : Exception
{
    public SigningException(string message)
        : base(message)
    {
    }

    public SigningException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
