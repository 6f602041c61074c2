using System.Diagnostics;
using System.Globalization;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// A Debian container booted with systemd-nspawn, systemd as its PID 1, on a fresh copy of <see cref="DebianRootFs"/>.
/// Commands run inside with nsenter. <see cref="PowerCut"/> kills its PID 1 with SIGKILL (every process of the
/// container dies with it, nothing shuts down), <see cref="Boot"/> starts it again on the same files. Disposing always
/// kills it and deletes its files, so a failed test leaves no process and no folder behind.
/// </summary>
internal sealed class NspawnContainer : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private readonly string _folder;
    private readonly List<(string Host, string Guest)> _binds = [];
    private Process? _nspawn;
    private int _init;
    private int _boots;

    public NspawnContainer(string name)
    {
        // A machine name is letters, digits and '-'; unique, as several test runs may boot containers at once.
        var plain = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        Name = $"edgebci-{plain[..Math.Min(plain.Length, 20)]}-{Guid.NewGuid():N}"[..^24];
        _folder = Path.Combine(DebianRootFs.CacheFolder, "run", Name);
        RootFs = Path.Combine(_folder, "rootfs");
        Directory.CreateDirectory(RootFs);
        HostCommand.Check("tar", ["-xf", DebianRootFs.Tar, "-C", RootFs], TimeSpan.FromMinutes(2));
    }

    public string Name { get; }

    /// <summary>The container's root folder on the host: files written here before <see cref="Boot"/> are on its disk.</summary>
    public string RootFs { get; }

    /// <summary>Makes a host folder readable inside the container at <paramref name="guest"/> from the next boot on.</summary>
    public void BindReadOnly(string host, string guest) => _binds.Add((host, guest));

    /// <summary>Boots the container and waits until systemd reached its default target.</summary>
    public void Boot()
    {
        if (_nspawn is not null)
        {
            throw new InvalidOperationException($"container {Name} is already running");
        }

        _boots++;
        var log = Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $"console-{_boots}.log"));
        var binds = string.Concat(_binds.Select(b => $" --bind-ro={b.Host}:{b.Guest}"));
        // exec keeps the PID nspawn's; its console goes to a file, read when a test fails.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c",
                $"exec systemd-nspawn -q -b -D '{RootFs}' --machine={Name} --register=no --keep-unit{binds} >'{log}' 2>&1 </dev/null",
            },
            UseShellExecute = false,
        };
        _nspawn = Process.Start(start) ?? throw new InvalidOperationException("systemd-nspawn did not start");
        _init = WaitForInit(log);
        // is-system-running --wait returns at once while systemd's bus is not up yet: asked again until it is.
        var booting = Stopwatch.StartNew();
        while (true)
        {
            var running = HostCommand.Run("nsenter", ["-t", Pid, "-a", "systemctl", "is-system-running", "--wait"], BootTimeout);
            var state = running.Stdout.Trim();
            if (state is "running" or "degraded")
            {
                return;
            }

            if (booting.Elapsed > BootTimeout)
            {
                throw new InvalidOperationException($"container {Name} did not boot: systemctl is-system-running says '{state}'\n{running}\n{File.ReadAllText(log)}");
            }

            Thread.Sleep(200);
        }
    }

    /// <summary>Runs a bash script inside the container as root.</summary>
    public CommandResult Run(string script, int timeoutSeconds = 120) =>
        HostCommand.Run("nsenter", ["-t", Pid, "-a", "/bin/bash", "-c", script], TimeSpan.FromSeconds(timeoutSeconds));

    /// <summary>Starts a bash script inside the container and returns without waiting for it.</summary>
    public Process Start(string script, string outputFile)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"exec nsenter -t {Pid} -a /bin/bash -c \"$0\" >'{outputFile}' 2>&1 </dev/null", script },
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("nsenter did not start");
    }

    /// <summary>The power is cut: SIGKILL to the container's PID 1, then waits until systemd-nspawn is gone.</summary>
    public void PowerCut()
    {
        if (_nspawn is null)
        {
            return;
        }

        if (_init > 0)
        {
            HostCommand.Run("kill", ["-KILL", Pid], TimeSpan.FromSeconds(10));
        }

        if (_init == 0 || !_nspawn.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _nspawn.Kill();
            _nspawn.WaitForExit();
        }

        _nspawn.Dispose();
        _nspawn = null;
        _init = 0;
    }

    /// <summary>What a failure message needs: the unit's journal, the release state files, the slots and the links.</summary>
    public string Diagnostics()
    {
        if (_nspawn is null)
        {
            return "(container not running)";
        }

        var result = Run(
            "journalctl -u edgebci-firmware --no-pager -n 60; echo '--- /var/lib/edgebci/release ---'; " +
            "for f in /var/lib/edgebci/release/*; do echo \"## $f\"; cat \"$f\"; done; " +
            "echo '--- links ---'; ls -la /opt/edgebci /opt/edgebci/slots; systemctl status edgebci-firmware --no-pager -n 0",
            30);
        return result.Stdout + result.Stderr;
    }

    public void Dispose()
    {
        PowerCut();
        if (Directory.Exists(_folder))
        {
            HostCommand.Run("rm", ["-rf", "--one-file-system", _folder], TimeSpan.FromMinutes(2));
        }
    }

    private string Pid => _init > 0 ? _init.ToString(CultureInfo.InvariantCulture) : throw new InvalidOperationException($"container {Name} is not running");

    // The container's systemd is the child of the systemd-nspawn process.
    private int WaitForInit(string log)
    {
        var deadline = DateTime.UtcNow + BootTimeout;
        var children = $"/proc/{_nspawn!.Id}/task/{_nspawn.Id}/children";
        while (DateTime.UtcNow < deadline)
        {
            if (_nspawn.HasExited)
            {
                throw new InvalidOperationException($"systemd-nspawn exited with {_nspawn.ExitCode}:\n{File.ReadAllText(log)}");
            }

            // Before the container's systemd there is nspawn's own short-lived child: wait for a child named systemd.
            var text = File.Exists(children) ? File.ReadAllText(children).Trim() : "";
            if (text.Length > 0)
            {
                var pid = int.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
                var comm = $"/proc/{pid}/comm";
                if (File.Exists(comm) && File.ReadAllText(comm).Trim() == "systemd")
                {
                    return pid;
                }
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"systemd-nspawn started no container within {BootTimeout.TotalSeconds} s:\n{File.ReadAllText(log)}");
    }
}
