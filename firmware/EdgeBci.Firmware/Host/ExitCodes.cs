using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Firmware;

internal static class ExitCodes
{
    public const int Configuration = 2;
    public const int Hardware = 3;
    public const int AcquisitionFault = 4;

    /// <summary>The installed release's signature, files or version do not check out (the unit keeps it from restarting).</summary>
    public const int UntrustedRelease = 6;

    /// <summary>A trial release did not hold healthy by Release:HealthDeadlineSeconds: systemd restarts it and the slot guard counts the start.</summary>
    public const int TrialUnhealthy = 7;
}

internal static class StartupFailure
{
    /// <summary>What kind of start-up problem an exception is, or null for one that is a bug and must surface.</summary>
    public static (string What, int ExitCode)? Classify(Exception exception) => exception switch
    {
        ArgumentException => ("configuration", ExitCodes.Configuration),
        Ads1299Exception => ("ADS1299", ExitCodes.Hardware),
        IOException => ("I/O", ExitCodes.Hardware),
        UnauthorizedAccessException => ("permission", ExitCodes.Hardware),
        _ => null,
    };

    /// <summary>One line on standard error (the journal under systemd): what kind of problem, and the message.</summary>
    public static int Report(string what, string message, int exitCode)
    {
        Console.Error.WriteLine($"edgebci-firmware: start-up stopped ({what} error):");
        Console.Error.WriteLine(message);
        return exitCode;
    }
}
