namespace EdgeBci.Training.Reporting;

/// <summary>
/// A report file that cannot be read back: the message names the file and the JSON path of the value at fault
/// (<c>$.results[1].confusion.counts[0][2]</c>); for text that is not JSON at all, the path is the root and the
/// message gives the line and byte.
/// </summary>
public sealed class EvaluationReportFormatException : Exception
{
    public EvaluationReportFormatException()
    {
        Origin = string.Empty;
        JsonPath = string.Empty;
    }

    public EvaluationReportFormatException(string message)
        : base(message)
    {
        Origin = string.Empty;
        JsonPath = string.Empty;
    }

    public EvaluationReportFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Origin = string.Empty;
        JsonPath = string.Empty;
    }

    /// <param name="origin">The file (or other source) read.</param>
    /// <param name="jsonPath">Where in the document, from <c>$</c> (the root).</param>
    public EvaluationReportFormatException(string origin, string jsonPath, string problem, Exception? innerException = null)
        : base($"{origin}: {jsonPath}: {problem}", innerException)
    {
        Origin = origin;
        JsonPath = jsonPath;
    }

    /// <summary>The file (or other source) read.</summary>
    public string Origin { get; }

    /// <summary>Where in the document the fault is, from <c>$</c> (the root).</summary>
    public string JsonPath { get; }
}
