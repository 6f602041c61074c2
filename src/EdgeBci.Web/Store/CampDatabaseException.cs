namespace EdgeBci.Web.Store;

/// <summary>
/// The camp's database cannot be used: not a SQLite file, damaged, written by a newer firmware, or not reachable. The
/// message names the file. The firmware runs without the page when it meets one; the unit's control is not affected.
/// </summary>
public sealed class CampDatabaseException : IOException
{
    public CampDatabaseException()
    {
    }

    public CampDatabaseException(string message)
        : base(message)
    {
    }

    public CampDatabaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
