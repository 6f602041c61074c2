namespace EdgeBci.Telemetry.Commands;

/// <summary>
/// The fixed allow-list of remote commands. Nothing here arms the unit or moves an actuator, and nothing can be added
/// at run time: a name outside this set is answered <c>unknown-command</c>.
/// </summary>
public static class CommandNames
{
    public const string Stop = "stop";
    public const string Disarm = "disarm";
    public const string StartRecording = "start-recording";
    public const string StopRecording = "stop-recording";
    public const string SelfTest = "self-test";
    public const string SetLogLevel = "set-log-level";
    public const string ReportConfiguration = "report-configuration";

    public static IReadOnlyList<string> All { get; } =
        [Stop, Disarm, StartRecording, StopRecording, SelfTest, SetLogLevel, ReportConfiguration];

    /// <summary>
    /// Commands whose result is for the requester only (it describes the unit's configuration): answered on the
    /// request's response topic or not run, and never put in the public events topic.
    /// </summary>
    public static bool AnswersOnlyTheRequester(string? name) => string.Equals(name, ReportConfiguration, StringComparison.Ordinal);

    public static bool IsKnown(string? name)
    {
        foreach (var known in All)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
