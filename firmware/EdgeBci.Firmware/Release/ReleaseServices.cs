namespace EdgeBci.Firmware;

/// <summary>The release's services in the firmware's host: the rollback announcement and the trial's health watch.</summary>
internal static class ReleaseServices
{
    /// <summary>Registered after the supervisor, so they start after every stage they read and stop before them.</summary>
    public static IServiceCollection AddReleaseTrial(this IServiceCollection services, FirmwareRelease release)
    {
        services.AddSingleton(release);
        services.AddSingleton<ITrialMeasurements, FirmwareTrialMeasurements>();
        services.AddSingleton<IReleaseEvents, UplinkReleaseEvents>();
        services.AddSingleton<IFirmwareStop, HostFirmwareStop>();
        services.AddHostedService<RollbackAnnouncer>();
        services.AddHostedService<TrialHealthService>();
        return services;
    }
}
