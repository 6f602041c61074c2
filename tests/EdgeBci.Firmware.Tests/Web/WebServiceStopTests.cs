using System.Net;
using System.Net.Sockets;
using EdgeBci.Tests.Shared;
using NUnit.Framework;

namespace EdgeBci.Firmware.Tests.Web;

/// <summary>The emulator serves the page by default (<c>make run</c>): Ctrl-C or <c>systemctl stop</c> must end the firmware cleanly.</summary>
public sealed class WebServiceStopTests
{
    [Test]
    public void A_firmware_serving_the_page_stops_on_SIGTERM_with_exit_code_0_and_no_exception()
    {
        using var scratch = new ScratchFolder("web-stop");
        using var firmware = new FirmwareProcess(
            "--Web:Enabled=true", $"--Web:Port={FreeLoopbackPort()}", $"--Web:DatabasePath={Path.Combine(scratch.Path, "camp.db")}",
            $"--Camp:WearersFolder={Path.Combine(scratch.Path, "wearers")}");
        Assert.That(firmware.WaitUntil(output => output.Contains("wearer's page: http://", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
            Is.True, firmware.Output);

        firmware.Signal("TERM");

        Assert.That(firmware.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, firmware.Output);
        Assert.That(firmware.Output, Does.Not.Contain("ObjectDisposedException"));
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
