using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace EdgeBci.Tests.Shared.Mosquitto;

/// <summary>How a test broker is set up; the defaults are the production model of deploy/mosquitto.</summary>
internal sealed record MosquittoBrokerOptions
{
    /// <summary>Identities that may log in on the plain (password) listener, each with a generated password.</summary>
    public IReadOnlyList<string> PasswordIdentities { get; init; } = ["dashboard", "observer", "unit-1", "unit-2"];

    /// <summary>The ACL file the broker enforces on both listeners; by default the deployed one.</summary>
    public string? AclPath { get; init; }

    /// <summary>Keeps retained messages and persistent sessions (with their queued QoS 1 messages) across Stop/Start.</summary>
    public bool Persistence { get; init; } = true;

    /// <summary>
    /// Run deploy/mosquitto/mosquitto.conf itself, with only its ports, file paths and log destination pointed at
    /// this test broker, instead of the harness's generated config: proves the deployed config works. Persistence is
    /// then as deployed (on), whatever <see cref="Persistence"/> says.
    /// </summary>
    public bool UseDeployedConfig { get; init; }

    /// <summary>How long Start waits for both ports to accept connections (a loaded 2-core CI machine is slow).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A real mosquitto process on two free loopback ports, configured like the fleet broker: a mutual-TLS listener
/// (client certificate from the test CA required, identity = certificate CN) and a plain listener with username +
/// password, both enforcing the deployed ACL. Everything lives in a temp folder deleted on dispose.
/// Stop/Start keep the ports, config and persistence file, so a test can simulate a broker outage of any length.
/// </summary>
internal sealed class MosquittoBroker : IDisposable, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private readonly TimeSpan _readyTimeout;
    private Process? _process;
    private bool _disposed;

    private MosquittoBroker(MosquittoBrokerOptions options)
    {
        // Everything that can be missing is looked up before the temp folder exists, so a failure leaves nothing behind.
        BrokerBinary = MosquittoBinaries.Broker();
        var passwordTool = MosquittoBinaries.PasswordTool();
        AclPath = options.AclPath ?? RepositoryRoot.File("deploy/mosquitto/acl");
        if (!File.Exists(AclPath))
        {
            throw new FileNotFoundException($"The ACL file {AclPath} does not exist.", AclPath);
        }

        _readyTimeout = options.ReadyTimeout;
        Folder = Path.Combine(Path.GetTempPath(), $"edgebci-mosquitto-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        try
        {
            Certificates = new TestCertificates(Path.Combine(Folder, "certs"));
            PlainPort = FreeLoopbackPort();
            TlsPort = FreeLoopbackPort();
            while (TlsPort == PlainPort)
            {
                TlsPort = FreeLoopbackPort();
            }

            var passwordFile = WritePasswordFile(passwordTool, options.PasswordIdentities);
            ConfigPath = Path.Combine(Folder, "mosquitto.conf");
            File.WriteAllText(ConfigPath, options.UseDeployedConfig ? DeployedConfig(passwordFile) : Config(passwordFile, options.Persistence));
        }
        catch
        {
            Directory.Delete(Folder, recursive: true);
            throw;
        }
    }

    public string Folder { get; }

    public string BrokerBinary { get; }

    public string ConfigPath { get; }

    public string AclPath { get; }

    /// <summary>The test PKI: the CA the broker trusts and the factory for client certificates.</summary>
    public TestCertificates Certificates { get; }

    /// <summary>127.0.0.1 port of the username/password listener.</summary>
    public int PlainPort { get; }

    /// <summary>127.0.0.1 port of the mutual-TLS listener (server certificate for localhost and 127.0.0.1).</summary>
    public int TlsPort { get; }

    /// <summary>PEM path of the CA that signed the broker's and the clients' certificates.</summary>
    public string AuthorityPemPath => Certificates.AuthorityPath;

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    /// <summary>
    /// mosquitto's log file (all its runs, with the harness's start/stop notes and anything the process printed),
    /// for assertion messages and diagnostics. A file rather than stdout because mosquitto flushes its log file
    /// per line but buffers a piped stdout until it exits.
    /// </summary>
    public string LogPath => Path.Combine(Folder, "mosquitto.log");

    /// <summary>Everything in <see cref="LogPath"/> so far.</summary>
    public string Log
    {
        get
        {
            lock (_gate)
            {
                return File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(mosquitto has not logged anything)";
            }
        }
    }

    /// <summary>Waits until mosquitto's log contains <paramref name="text"/> (it writes a line a moment after the event).</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var waited = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"mosquitto did not log '{text}' within {timeout.TotalSeconds:0} s. Its log:\n{Log}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Writes the config and certificates, starts mosquitto and waits until both ports accept connections.</summary>
    public static async Task<MosquittoBroker> StartAsync(MosquittoBrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var broker = new MosquittoBroker(options ?? new MosquittoBrokerOptions());
        try
        {
            await broker.StartAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client certificate signed by the broker's CA; its CN is the identity the ACL sees.</summary>
    public PemCertificate ClientCertificate(string commonName) => Certificates.Client(commonName);

    /// <summary>The generated password of an identity of the plain listener.</summary>
    public string PasswordOf(string identity) =>
        _passwords.TryGetValue(identity, out var password)
            ? password
            : throw new ArgumentException($"'{identity}' has no password on this broker; known: {string.Join(", ", _passwords.Keys)}.", nameof(identity));

    /// <summary>Starts mosquitto (again) on the same ports and config; fails if it is already running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Process process;
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                throw new InvalidOperationException($"mosquitto is already running (pid {_process.Id}).");
            }

            _process?.Dispose();
            File.AppendAllText(LogPath, $"--- harness: starting {BrokerBinary} -c {ConfigPath} (plain {PlainPort}, tls {TlsPort}){Environment.NewLine}");
            process = new Process
            {
                StartInfo = new ProcessStartInfo(BrokerBinary)
                {
                    ArgumentList = { "-c", ConfigPath },
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                    WorkingDirectory = Folder,
                },
                EnableRaisingEvents = true,
            };
            process.OutputDataReceived += (_, line) => AppendLog(line.Data);
            process.ErrorDataReceived += (_, line) => AppendLog(line.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
        }

        var deadline = Stopwatch.StartNew();
        foreach (var port in new[] { PlainPort, TlsPort })
        {
            while (!await AcceptsConnectionAsync(port, cancellationToken))
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(cancellationToken);
                    throw new InvalidOperationException($"mosquitto exited with code {process.ExitCode} while starting. Its log:\n{Log}");
                }

                if (deadline.Elapsed > _readyTimeout)
                {
                    throw new TimeoutException($"mosquitto did not accept connections on 127.0.0.1:{port} within {_readyTimeout.TotalSeconds:0} s. Its log:\n{Log}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Graceful stop (SIGTERM): mosquitto saves its persistence file and closes every connection, so clients see
    /// the broker go away; their wills are not published (the broker, not the client, went).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var process = RunningProcess("stop");
        if (process is null)
        {
            return;
        }

        await SendTerminateAsync(process.Id, cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill();
            await process.WaitForExitAsync(cancellationToken);
            throw new TimeoutException($"mosquitto did not exit within 20 s of SIGTERM and was killed. Its log:\n{Log}");
        }

        AppendLog($"--- harness: mosquitto stopped (exit code {process.ExitCode})");
    }

    /// <summary>Crash (SIGKILL): nothing is saved since the last autosave.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        var process = RunningProcess("kill");
        if (process is null)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync(cancellationToken);
        AppendLog("--- harness: mosquitto killed");
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process?.Dispose();
            _process = null;
        }

        Certificates.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind must not fail the test that just ran; the OS cleans /tmp.
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// SIGTERM through the shell's kill builtin: .NET's Process.Kill only sends SIGKILL, and a P/Invoke of kill(2)
    /// would depend on how "libc" resolves on the machine.
    /// </summary>
    private static async Task SendTerminateAsync(int processId, CancellationToken cancellationToken)
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"kill -TERM {processId}" },
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("/bin/sh did not start.");
        var errors = await kill.StandardError.ReadToEndAsync(cancellationToken);
        await kill.WaitForExitAsync(cancellationToken);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"Could not send SIGTERM to mosquitto (pid {processId}): {errors}");
        }
    }

    private Process? RunningProcess(string action)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_process is null)
            {
                throw new InvalidOperationException($"Cannot {action} mosquitto: it was never started.");
            }

            return _process.HasExited ? null : _process;
        }
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            // mosquitto appends to the same file (O_APPEND), so whole lines interleave cleanly.
            File.AppendAllText(LogPath, line + Environment.NewLine);
        }
    }

    private string Config(string passwordFile, bool persistence)
    {
        var dataFolder = Path.Combine(Folder, "data");
        Directory.CreateDirectory(dataFolder);
        var server = Certificates.Server;
        // "user": mosquitto started as root drops to the "mosquitto" account, which could not read the keys in this
        // folder; naming the current account keeps it (and has no effect for a non-root user).
        return $"""
            # Generated by the EdgeBci test harness (tests/Shared/Mosquitto/MosquittoBroker.cs).
            per_listener_settings true
            user {Environment.UserName}
            persistence {(persistence ? "true" : "false")}
            persistence_location {dataFolder}/
            persistence_file mosquitto.db
            log_dest file {LogPath}
            log_type error
            log_type warning
            log_type notice
            log_type information
            log_type subscribe
            log_type unsubscribe
            connection_messages true
            log_timestamp true
            log_timestamp_format %H:%M:%S

            listener {PlainPort} 127.0.0.1
            protocol mqtt
            allow_anonymous false
            password_file {passwordFile}
            acl_file {AclPath}

            listener {TlsPort} 127.0.0.1
            protocol mqtt
            cafile {Certificates.AuthorityPath}
            certfile {server.CertificatePath}
            keyfile {server.KeyPath}
            require_certificate true
            use_identity_as_username true
            allow_anonymous false
            acl_file {AclPath}

            """;
    }

    private string DeployedConfig(string passwordFile)
    {
        var deployed = RepositoryRoot.File("deploy/mosquitto/mosquitto.conf");
        var text = File.ReadAllText(deployed);
        var dataFolder = Path.Combine(Folder, "data");
        Directory.CreateDirectory(dataFolder);
        (string Deployed, string Test)[] replacements =
        [
            ("listener 8883\n", $"listener {TlsPort} 127.0.0.1\n"),
            ("listener 1883 127.0.0.1\n", $"listener {PlainPort} 127.0.0.1\n"),
            ("/etc/mosquitto/certs/fleet-ca.crt", Certificates.AuthorityPath),
            ("/etc/mosquitto/certs/broker.crt", Certificates.Server.CertificatePath),
            ("/etc/mosquitto/certs/broker.key", Certificates.Server.KeyPath),
            ("/etc/mosquitto/edgebci.acl", AclPath),
            ("/etc/mosquitto/edgebci.passwd", passwordFile),
            ("persistence_location /var/lib/mosquitto/", $"persistence_location {dataFolder}/"),
            ("log_dest syslog", $"log_dest file {LogPath}"),
        ];
        foreach (var (deployedText, testText) in replacements)
        {
            if (!text.Contains(deployedText, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{deployed} no longer contains '{deployedText.TrimEnd()}', which the test harness points at its own files and ports; update MosquittoBroker.DeployedConfig with the config.");
            }

            text = text.Replace(deployedText, testText, StringComparison.Ordinal);
        }

        return $"user {Environment.UserName}\n{text}";
    }

    private string WritePasswordFile(string tool, IReadOnlyList<string> identities)
    {
        var path = Path.Combine(Folder, "passwords");
        File.WriteAllText(path, string.Empty);
        foreach (var identity in identities)
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            using var process = Process.Start(new ProcessStartInfo(tool)
            {
                ArgumentList = { "-b", path, identity, password },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException($"{tool} did not start.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000) || process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} -b {path} {identity} failed: {output.Result}{errors.Result}");
            }

            _passwords[identity] = password;
        }

        return path;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsConnectionAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Where the mosquitto binaries are: $EDGEBCI_MOSQUITTO, then PATH, then Debian's /usr/sbin and /usr/bin.</summary>
internal static class MosquittoBinaries
{
    private const string InstallHint = "Run .ci/mosquitto (it installs Debian's mosquitto package) or set EDGEBCI_MOSQUITTO to the broker binary.";

    public static string Broker()
    {
        var configured = Environment.GetEnvironmentVariable("EDGEBCI_MOSQUITTO");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new FileNotFoundException($"EDGEBCI_MOSQUITTO={configured} does not exist. {InstallHint}", configured);
        }

        return Find("mosquitto", ["/usr/sbin", "/usr/local/sbin"])
            ?? throw new FileNotFoundException($"The mosquitto broker was not found on PATH nor in /usr/sbin. {InstallHint}");
    }

    /// <summary>mosquitto_passwd from the same package: beside the broker, on PATH or in /usr/bin.</summary>
    public static string PasswordTool()
    {
        var besideBroker = Path.GetDirectoryName(Broker()) ?? "/usr/sbin";
        return Find("mosquitto_passwd", [besideBroker, "/usr/bin", "/usr/local/bin"])
            ?? throw new FileNotFoundException($"mosquitto_passwd was not found on PATH nor beside the broker. {InstallHint}");
    }

    private static string? Find(string name, string[] extraFolders)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(extraFolders))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
