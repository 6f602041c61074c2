using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The firmware is recognised as a systemd service from SYSTEMD_EXEC_PID, not only from its parent's /proc entry, which
/// the unit's ProtectProc=invisible hides: otherwise READY=1 never reaches systemd and the start times out.
/// </summary>
public sealed class SystemdServiceDetectionTests
{
    private const int ThisProcess = 4242;

    [TestCase("/run/systemd/notify", "4242", true)]
    [TestCase("/run/systemd/notify", "4243", false)]
    [TestCase("/run/systemd/notify", null, false)]
    [TestCase("/run/systemd/notify", "not-a-pid", false)]
    [TestCase(null, "4242", false)]
    [TestCase("", "4242", false)]
    public void The_main_process_of_a_notifying_service_is_recognised(string? notifySocket, string? execPid, bool expected)
    {
        Assert.That(SystemdServiceDetection.IsServiceMainProcess(Variables(notifySocket, execPid), ThisProcess), Is.EqualTo(expected));
    }

    [Test]
    public void A_service_whose_parent_is_hidden_still_gets_the_systemd_lifetime_that_sends_READY()
    {
        // The test host's parent is not systemd, which is exactly what the library sees under ProtectProc=invisible.
        Assume.That(SystemdHelpers.IsSystemdService(), Is.False, "this test runs outside a systemd service");
        var services = new ServiceCollection();

        services.AddSystemdService(Variables("/run/systemd/notify", "4242"), ThisProcess);

        Assert.That(Registered<IHostLifetime>(services), Is.EqualTo(typeof(SystemdLifetime)));
        Assert.That(Registered<ISystemdNotifier>(services), Is.EqualTo(typeof(SystemdNotifier)));
    }

    [Test]
    public void Outside_a_service_nothing_is_registered()
    {
        Assume.That(SystemdHelpers.IsSystemdService(), Is.False, "this test runs outside a systemd service");
        var services = new ServiceCollection();

        services.AddSystemdService(Variables(null, null), ThisProcess);

        Assert.That(Registered<IHostLifetime>(services), Is.Null);
        Assert.That(Registered<ISystemdNotifier>(services), Is.Null);
    }

    private static Type? Registered<T>(ServiceCollection services) =>
        services.LastOrDefault(d => d.ServiceType == typeof(T))?.ImplementationType;

    private static Func<string, string?> Variables(string? notifySocket, string? execPid) => name => name switch
    {
        SystemdServiceDetection.NotifySocketVariable => notifySocket,
        SystemdServiceDetection.ExecPidVariable => execPid,
        _ => null,
    };
}
