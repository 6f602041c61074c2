namespace EdgeBci.Decoding.Bundle;

/// <summary>A model bundle that cannot be trusted or used; the message names the file and what is wrong with it.</summary>
public sealed class ModelBundleException : Exception
{
    public ModelBundleException()
    {
    }

    public ModelBundleException(string message)
        : base(message)
    {
    }

    public ModelBundleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
