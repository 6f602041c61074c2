using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeBci.Firmware.Tests;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Web.Tests.Browser;

/// <summary>
/// The real firmware on the emulator with the wearer's page on, on a free loopback port, its camp database and wearer
/// folders in a scratch folder that outlives a restart (so a restarted firmware finds what the last one stored). The
/// calibration replays wearer S002's three motor-imagery runs as fast as the machine goes.
/// </summary>
internal sealed class PageFirmware : IDisposable
{
    private readonly ScratchFolder _scratch = new("web-e2e");
    private readonly string[] _arguments;
    private FirmwareProcess? _firmware;

    public PageFirmware()
    {
        Port = FreeLoopbackPort();
        DatabasePath = Path.Combine(_scratch.Path, "camp", "camp.db");
        _arguments =
        [
            "--Web:Enabled=true", $"--Web:Port={Port}", $"--Web:DatabasePath={DatabasePath}",
            $"--Camp:WearersFolder={Path.Combine(_scratch.Path, "wearers")}",
            $"--Camp:ReplayedWearer:0={SharedData.Path("eegmmidb/S002/S002R04.edf")}",
            $"--Camp:ReplayedWearer:1={SharedData.Path("eegmmidb/S002/S002R08.edf")}",
            $"--Camp:ReplayedWearer:2={SharedData.Path("eegmmidb/S002/S002R12.edf")}",
            "--Camp:ReplayPacing=FreeRunning",
            // The test calibrates a replayed stranger: its model must not replace the unit's.
            "--Camp:InstallPassedModel=false",
        ];
    }

    public int Port { get; }

    public string DatabasePath { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>What the firmware has printed so far (for failure messages).</summary>
    public string Output => _firmware?.Output ?? string.Empty;

    public int ProcessId => _firmware?.Id ?? throw new InvalidOperationException("The firmware is not running.");

    /// <summary>Starts the firmware (as `make run` configures it, plus the page settings) and waits until the page answers.</summary>
    public async Task StartAsync()
    {
        if (_firmware is not null)
        {
            throw new InvalidOperationException("The firmware is already running; Restart it instead.");
        }

        _firmware = FirmwareProcess.WithShippedDefaults(_arguments);
        await WaitUntilServingAsync(_firmware, TimeSpan.FromSeconds(120));
    }

    /// <summary>Kills the firmware (no shutdown code runs: what was finished must already be on disk) and starts it again on the same database and port.</summary>
    public async Task RestartAsync()
    {
        _firmware?.Dispose();
        _firmware = null;
        await StartAsync();
    }

    public void Dispose()
    {
        _firmware?.Dispose();
        _scratch.Dispose();
    }

    /// <summary>Runs `edgebci pair --database` on the same database, as the carer would on the unit, and returns the code it printed.</summary>
    public string IssuePairingCode() => PairCommand.IssueCode(DatabasePath);

    // The page is up when /pair (the one page served without a session) answers; until then Kestrel refuses the
    // connection. Asked again every 250 ms: there is no event to wait on across the process boundary but the port.
    private async Task WaitUntilServingAsync(FirmwareProcess firmware, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (firmware.HasExited)
            {
                throw new InvalidOperationException($"The firmware exited with {firmware.ExitCode} before serving the page. Output:\n{firmware.Output}");
            }

            try
            {
                using var answer = await client.GetAsync(new Uri(BaseAddress, "pair"));
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but too busy starting to answer within 10 s: ask again.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The firmware did not serve {BaseAddress}pair within {timeout}. Output:\n{firmware.Output}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
