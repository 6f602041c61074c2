using System.Diagnostics;

namespace EdgeBci.SystemTests.Arm64;

/// <summary>
/// qemu-system-aarch64 (virt board, Cortex-A72, TCG: the host has no KVM) booting a <see cref="MachineImage"/> with the
/// host folder <c>share</c> as 9p tag <c>proof</c>, the serial console in a log file and no network. The guest powers
/// itself off when its proof is done; qemu is killed at the timeout and whenever the wait ends otherwise.
/// </summary>
internal static class Arm64Machine
{
    private const int TimedOutStatus = 124;
    private const int KilledStatus = 137;

    /// <summary>Boots the machine and waits for it to power off.</summary>
    public static async Task<MachineRun> RunAsync(MachineImage image, string share, string serialLog, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("timeout")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        string[] arguments =
        [
            // timeout(1) bounds qemu even if this test process dies (a cancelled run): no machine outlives its test.
            "--kill-after=20s", $"{(int)timeout.TotalSeconds}s", "qemu-system-aarch64",
            "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "2048", "-accel", "tcg,thread=multi",
            "-kernel", image.Kernel, "-initrd", image.Initrd,
            // panic=1 with -no-reboot: a kernel that cannot mount its root ends qemu instead of hanging until the timeout.
            "-append", "root=/dev/vda rw console=ttyAMA0 panic=1",
            "-drive", $"if=none,id=root,format=raw,file={image.RootDisk}", "-device", "virtio-blk-pci,drive=root",
            "-virtfs", $"local,path={share},mount_tag=proof,security_model=none,id=proof",
            "-serial", $"file:{serialLog}", "-display", "none", "-monitor", "none", "-nic", "none", "-no-reboot",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var qemu = Process.Start(start) ?? throw new InvalidOperationException("timeout qemu-system-aarch64 did not start.");
        qemu.StandardInput.Close();
        var output = qemu.StandardOutput.ReadToEndAsync();
        var error = qemu.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout + TimeSpan.FromMinutes(1));
        try
        {
            await qemu.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Timed out: the finally below kills it.
        }
        finally
        {
            if (!qemu.HasExited)
            {
                qemu.Kill(entireProcessTree: true);
                await qemu.WaitForExitAsync();
            }
        }

        var messages = (await output) + (await error);
        if (messages.Length > 0)
        {
            await File.AppendAllTextAsync(serialLog, $"\n[qemu on the host]\n{messages}");
        }

        // timeout(1) exits 124 when it had to stop qemu; 137 when qemu ignored that and was killed.
        var timedOut = deadline.IsCancellationRequested || qemu.ExitCode is TimedOutStatus or KilledStatus;
        return new MachineRun(qemu.ExitCode, timedOut);
    }
}

/// <summary>How the machine ended: qemu's exit code (0 after the guest powered off) and whether the timeout stopped it.</summary>
internal sealed record MachineRun(int ExitCode, bool TimedOut);
