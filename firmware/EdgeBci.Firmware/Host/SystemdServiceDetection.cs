using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeBci.Firmware;

/// <summary>
/// Microsoft.Extensions.Hosting.Systemd 10 recognises a systemd service by reading its parent's <c>/proc/PPID/comm</c>,
/// which the unit's <c>ProtectProc=invisible</c> hides (PID 1 belongs to root): it then registers nothing, READY=1 never
/// goes out and systemd kills the firmware when its start times out (dotnet/runtime#125368). systemd (248 and later)
/// also names the service's main process in <c>SYSTEMD_EXEC_PID</c>, readable whatever /proc shows; that is what the
/// library's own later fix reads, and what this does until the firmware runs on it.
/// </summary>
internal static class SystemdServiceDetection
{
    public const string ExecPidVariable = "SYSTEMD_EXEC_PID";
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>True when systemd started this very process as a service's main process and listens for its notifications.</summary>
    public static bool IsServiceMainProcess(Func<string, string?> variable, int processId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return !string.IsNullOrEmpty(variable(NotifySocketVariable))
            && int.TryParse(variable(ExecPidVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var mainProcess)
            && mainProcess == processId;
    }

    /// <summary>
    /// <see cref="SystemdHostBuilderExtensions.AddSystemd"/>, plus its notifier and lifetime (READY=1, STOPPING=1) when the
    /// library did not see systemd but <see cref="IsServiceMainProcess"/> does.
    /// </summary>
    public static IServiceCollection AddSystemdService(this IServiceCollection services, Func<string, string?> variable, int processId)
    {
        services.AddSystemd();
        if (!SystemdHelpers.IsSystemdService() && IsServiceMainProcess(variable, processId))
        {
            services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        return services;
    }
}
