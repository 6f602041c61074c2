namespace EdgeBci.Recording;

/// <summary>A recording file that cannot be read as what it claims to be. The message names the file and the fault.</summary>
public class RecordingFormatException : Exception
{
    public RecordingFormatException()
    {
    }

    public RecordingFormatException(string message)
        : base(message)
    {
    }

    public RecordingFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A malformed EDF/BDF file: names the header field or data record at fault and where it starts in the file.</summary>
public sealed class EdfFormatException : RecordingFormatException
{
    public EdfFormatException()
    {
        Field = string.Empty;
    }

    public EdfFormatException(string message)
        : base(message)
    {
        Field = string.Empty;
    }

    public EdfFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = string.Empty;
    }

    public EdfFormatException(string origin, string field, long byteOffset, string problem)
        : base($"{origin}: {field} at byte {byteOffset}: {problem}")
    {
        Field = field;
        ByteOffset = byteOffset;
    }

    public string Field { get; }

    public long ByteOffset { get; }
}

/// <summary>A malformed OpenBCI GUI text recording: names the line at fault.</summary>
public sealed class OpenBciFormatException : RecordingFormatException
{
    public OpenBciFormatException()
    {
    }

    public OpenBciFormatException(string message)
        : base(message)
    {
    }

    public OpenBciFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OpenBciFormatException(string origin, int line, string problem)
        : base($"{origin}: line {line}: {problem}")
    {
        Line = line;
    }

    public int Line { get; }
}
