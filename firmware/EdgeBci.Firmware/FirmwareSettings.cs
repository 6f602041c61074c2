using EdgeBci.Acquisition.Configuration;

namespace EdgeBci.Firmware;

/// <summary>The configuration bound once, strictly, when first asked for (inside host start-up, so errors stop it).</summary>
internal sealed class FirmwareSettings(IConfiguration configuration, string contentRoot)
{
    private readonly Lazy<AcquisitionSettings> _acquisition = new(() => AcquisitionSettings.Bind(configuration));

    public AcquisitionSettings Acquisition => _acquisition.Value;

    public string ContentRoot { get; } = contentRoot;
}

internal static class ExitCodes
{
    public const int Configuration = 2;
    public const int Hardware = 3;
    public const int AcquisitionFault = 4;
}

internal static class StartupFailure
{
    public static int Report(IHost host, string what, string message, int exitCode)
    {
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeBci.Firmware");
        logger.LogCritical("Start-up stopped by a {What} error:{NewLine}{Message}", what, Environment.NewLine, message);
        return exitCode;
    }
}
