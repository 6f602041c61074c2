namespace EdgeBci.Firmware;

internal static class ExitCodes
{
    public const int Configuration = 2;
    public const int Hardware = 3;
    public const int AcquisitionFault = 4;
}

internal static class StartupFailure
{
    /// <summary>One line on standard error (the journal under systemd): what kind of problem, and the message.</summary>
    public static int Report(string what, string message, int exitCode)
    {
        Console.Error.WriteLine($"edgebci-firmware: start-up stopped by a {what} error:");
        Console.Error.WriteLine(message);
        return exitCode;
    }
}
