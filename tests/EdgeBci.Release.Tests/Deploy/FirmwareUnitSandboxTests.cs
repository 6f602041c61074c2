using EdgeBci.Tests.Shared.Mosquitto;
using NUnit.Framework;

namespace EdgeBci.Release.Tests.Deploy;

/// <summary>
/// The hardening of deploy/edgebci-firmware.service may not take away what the firmware relies on: real-time scheduling,
/// the JIT, its devices and PWM, its folders, its sockets, the watchdog. One test per thing someone relies on, so a
/// failure names it.
/// </summary>
public sealed class FirmwareUnitSandboxTests
{
    // Ads1299:RealTimePriority's default (src/EdgeBci.Acquisition/Configuration/Ads1299Options.cs).
    private const int AcquisitionPriority = 50;

    private static UnitFile Unit => UnitFile.Load(RepositoryRoot.File("deploy/edgebci-firmware.service"));

    [Test]
    public void The_acquisition_thread_may_ask_for_SCHED_FIFO_50()
    {
        var unit = Unit;
        Assert.That(int.Parse(unit.Single("LimitRTPRIO"), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(AcquisitionPriority));
        Assert.That(unit.Boolean("RestrictRealtime"), Is.False, "RestrictRealtime= refuses SCHED_FIFO");
    }

    [Test]
    public void The_system_call_filter_lets_the_real_time_calls_through()
    {
        var filter = Unit.All("SystemCallFilter").Select(d => d.Value).ToList();
        var allowed = SystemdAnalyze.AllowedSystemCalls(filter);

        Assert.That(allowed, Does.Contain("sched_setscheduler").And.Contain("sched_setattr").And.Contain("setpriority").And.Contain("mlock"));
        Assert.That(allowed, Does.Not.Contain("reboot").And.Not.Contain("mount").And.Not.Contain("init_module"), "the filter must still filter");
    }

    [Test]
    public void A_refused_system_call_returns_EPERM_on_the_native_architecture_only()
    {
        var unit = Unit;
        Assert.That(unit.Single("SystemCallErrorNumber"), Is.EqualTo("EPERM"));
        Assert.That(unit.Single("SystemCallArchitectures"), Is.EqualTo("native"));
    }

    [Test]
    public void The_dotnet_JIT_may_map_writable_code()
    {
        Assert.That(Unit.Boolean("MemoryDenyWriteExecute"), Is.False, "MemoryDenyWriteExecute= breaks the .NET JIT");
    }

    [Test]
    public void Only_the_device_classes_the_drivers_open_are_allowed()
    {
        var unit = Unit;
        Assert.That(unit.Single("DevicePolicy"), Is.EqualTo("closed"));
        Assert.That(unit.Boolean("PrivateDevices"), Is.False, "PrivateDevices= hides the SPI, GPIO and I2C nodes");
        var allowed = unit.All("DeviceAllow").Select(d => d.Value).ToList();
        Assert.That(allowed, Is.SupersetOf(new[] { "char-spi rw", "char-gpiochip rw", "char-i2c rw" }));
    }

    [Test]
    public void PWM_sysfs_is_writable_through_the_chips_resolved_folders()
    {
        var unit = Unit;
        // ProtectKernelTunables= makes /sys read-only; the PWM chips are what the unit opens again.
        Assert.That(unit.Boolean("ProtectKernelTunables"), Is.True);
        var writable = unit.Words("ReadWritePaths");
        Assert.That(writable, Does.Contain("-/sys/class/pwm/pwmchip0"), "DifferentialDrive's default PwmChip is 0");
        Assert.That(writable.Where(path => path.Contains("/sys/", StringComparison.Ordinal)), Has.All.StartWith("-/sys/class/pwm/pwmchip"),
            "only PWM chips are writable in /sys, and optional ('-') so a board without one starts");
    }

    [Test]
    public void The_groups_that_own_the_devices_are_the_services_supplementary_groups()
    {
        var groups = Unit.Words("SupplementaryGroups");
        var owning = UdevRulesFile.Load(RepositoryRoot.File("deploy/99-edgebci.rules")).Groups();

        Assert.That(owning, Is.EquivalentTo(new[] { "spi", "gpio", "i2c", "pwm" }));
        Assert.That(groups, Is.SupersetOf(owning));
    }

    [Test]
    public void No_capability_is_kept_or_granted()
    {
        var unit = Unit;
        Assert.That(unit.Single("CapabilityBoundingSet"), Is.Empty);
        Assert.That(unit.Single("AmbientCapabilities"), Is.Empty);
        Assert.That(unit.Single("User"), Is.EqualTo("edgebci"));
        Assert.That(unit.Boolean("NoNewPrivileges"), Is.True);
    }

    [Test]
    public void Sockets_are_unix_and_tcp_ip_only()
    {
        Assert.That(Unit.Words("RestrictAddressFamilies"), Is.EquivalentTo(new[] { "AF_UNIX", "AF_INET", "AF_INET6" }));
        Assert.That(Unit.Boolean("PrivateNetwork"), Is.False, "the uplink and the wearer's page need the unit's network");
    }

    [Test]
    public void The_state_runtime_and_release_folders_stay_writable()
    {
        var unit = Unit;
        Assert.That(unit.Single("ProtectSystem"), Is.EqualTo("strict"));
        // /var/lib/edgebci holds events/, recordings/, camp/ and release/ (the firmware writes good and health there).
        Assert.That(unit.Words("ReadWritePaths"), Does.Contain("/var/lib/edgebci"));
        Assert.That(unit.Single("StateDirectory"), Is.EqualTo("edgebci"));
        Assert.That(unit.Single("RuntimeDirectory"), Is.EqualTo("edgebci"), "/run/edgebci/control.sock");
        Assert.That(unit.Single("RuntimeDirectoryMode"), Is.EqualTo("0700"));
        Assert.That(unit.Single("UMask"), Is.EqualTo("0027"));
    }

    [Test]
    public void The_watchdog_is_systemds_and_only_the_main_process_pings_it()
    {
        var unit = Unit;
        Assert.That(unit.Single("Type"), Is.EqualTo("notify"));
        Assert.That(unit.Single("NotifyAccess"), Is.EqualTo("main"));
        Assert.That(unit.Single("WatchdogSec"), Is.EqualTo("2s"));
        Assert.That(unit.Single("Restart"), Is.EqualTo("always"));
        // A stopped or kernel-stuck firmware ignores the watchdog's SIGABRT; without this systemd waits TimeoutStopSec.
        Assert.That(unit.Single("TimeoutAbortSec"), Is.EqualTo("5s"));
    }

    [Test]
    public void SystemdWatchdog_is_the_only_sender_of_WATCHDOG_1()
    {
        var senders = new List<string>();
        foreach (var folder in new[] { "firmware", "src" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (!file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && File.ReadAllText(file).Contains("\"WATCHDOG=1\"", StringComparison.Ordinal))
                {
                    senders.Add(Path.GetRelativePath(RepositoryRoot.Path, file));
                }
            }
        }

        Assert.That(senders, Is.EqualTo(new[] { "firmware/EdgeBci.Firmware/Host/SystemdWatchdog.cs" }));
    }

    [Test]
    public void The_neutral_command_runs_after_every_stop_inside_the_same_device_sandbox()
    {
        var stopPost = Unit.All("ExecStopPost").Select(d => d.Value).ToList();
        // Without "+": it runs as edgebci with the same DeviceAllow/ReadWritePaths, which is what lets it reach the
        // actuator after the firmware died, and proves every start that the sandbox still lets it.
        Assert.That(stopPost, Does.Contain("/opt/edgebci/cli/edgebci neutral"));
    }

    [Test]
    public void Memory_and_task_ceilings_are_set_with_high_below_max()
    {
        var unit = Unit;
        var high = Megabytes(unit, "MemoryHigh");
        var max = Megabytes(unit, "MemoryMax");
        Assert.That(high, Is.LessThan(max));
        Assert.That(int.Parse(unit.Single("TasksMax"), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
    }

    [Test]
    public void Kernel_clock_hostname_cgroup_and_namespace_protections_are_on()
    {
        var unit = Unit;
        foreach (var key in new[]
                 {
                     "ProtectKernelTunables", "ProtectKernelLogs", "ProtectKernelModules", "ProtectClock", "ProtectHostname", "ProtectControlGroups",
                     "RestrictNamespaces", "LockPersonality", "PrivateTmp", "PrivateIPC", "RemoveIPC", "RestrictSUIDSGID", "ProtectHome",
                 })
        {
            Assert.That(unit.Boolean(key), Is.True, $"{key}=yes");
        }

        Assert.That(unit.Single("ProtectProc"), Is.EqualTo("invisible"));
        Assert.That(unit.Has("ProcSubset"), Is.False, "ProcSubset=pid hides /proc/stat (telemetry) and /proc/meminfo (the GC's budget)");
    }

    private static long Megabytes(UnitFile unit, string key)
    {
        var value = unit.Single(key);
        return value.EndsWith('M') && long.TryParse(value[..^1], System.Globalization.CultureInfo.InvariantCulture, out var megabytes)
            ? megabytes
            : throw new FormatException($"{unit.Path}: {key}={value}: the tests expect whole megabytes (e.g. 400M).");
    }
}
