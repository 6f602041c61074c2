namespace EdgeBci.Acquisition.Ads1299;

/// <summary>The chip did not answer as an ADS1299 should: wrong ID, a register that did not take its value, no DRDY.</summary>
public sealed class Ads1299Exception : Exception
{
    public Ads1299Exception(string message)
        : base(message)
    {
    }

    public Ads1299Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Ads1299Exception()
    {
    }
}
