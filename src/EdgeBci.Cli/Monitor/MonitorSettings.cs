using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeBci.Cli.Monitor;

/// <summary>The monitor's checked options: every file read and every combination checked before the first packet.</summary>
internal sealed class MonitorSettings : IDisposable
{
    public const string PasswordVariable = "EDGEBCI_MQTT_PASSWORD";

    /// <summary>The embedded broker's users and passwords on a unit (written by the firmware, mode 0600).</summary>
    public const string UnitCredentialsFile = "/var/lib/edgebci/broker/credentials.json";

    /// <summary>The identity taken from a credentials file when --username is not given: the monitor only reads.</summary>
    public const string DefaultIdentity = "observer";

    public required BrokerAddress Broker { get; init; }

    public string? DeviceFilter { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>The authorities a broker's certificate must chain to (--ca); null trusts the system's store.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    public bool UseTls => Broker.Tls || TrustedAuthorities is not null || ClientCertificate is not null;

    public TimeSpan? Duration { get; init; }

    public bool Plain { get; init; }

    public bool PrintEvents { get; init; }

    /// <summary>The broker credentials file the password came from (--credentials, or the unit's own), if any.</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>True when <see cref="CredentialsFile"/> is the unit's own file, taken without --credentials (a loopback broker).</summary>
    public bool CredentialsByDefault { get; init; }

    public static MonitorSettings Create(
        string broker,
        string? device,
        FileInfo? ca,
        FileInfo? cert,
        FileInfo? key,
        string? username,
        string? password,
        double? seconds,
        bool plain,
        bool events,
        FileInfo? credentials = null,
        string unitCredentialsFile = UnitCredentialsFile)
    {
        var address = BrokerAddress.Parse(broker);
        if (device is not null && !EdgeBci.Telemetry.DeviceIds.IsValid(device))
        {
            throw new ArgumentException($"--device {device}: a device id is 1 to 64 of a-z, 0-9 and '-'.");
        }

        if (seconds is { } s && (double.IsNaN(s) || s <= 0 || s > 604_800))
        {
            throw new ArgumentException($"--seconds {s}: give a duration from 0 to 604800 (a week).");
        }

        if ((cert is null) != (key is null))
        {
            throw new ArgumentException(cert is null ? "--key needs --cert (the client certificate it belongs to)." : "--cert needs --key (the certificate's private key, PEM).");
        }

        if (address is { SchemeGiven: true, Tls: false } && (ca is not null || cert is not null))
        {
            throw new ArgumentException($"--broker {broker} is plain TCP (mqtt://) but --{(ca is not null ? "ca" : "cert")} asks for TLS; use mqtts:// or leave the scheme out.");
        }

        if (password is not null && username is null)
        {
            throw new ArgumentException("--password needs --username.");
        }

        if (password is not null && credentials is not null)
        {
            throw new ArgumentException("--password and --credentials: give one (the credentials file holds the password).");
        }

        // On the unit itself the embedded broker's own file is the natural source, unless a password was given.
        var passwordGiven = password is not null || (username is not null && Environment.GetEnvironmentVariable(PasswordVariable) is not null);
        var credentialsByDefault = false;
        if (credentials is null && !passwordGiven && IsLoopback(address.Host) && File.Exists(unitCredentialsFile))
        {
            credentials = new FileInfo(unitCredentialsFile);
            credentialsByDefault = true;
        }

        if (credentials is not null)
        {
            username ??= DefaultIdentity;
            password = PasswordFrom(credentials, username);
        }

        var authorities = ca is null ? null : LoadAuthorities(ca);
        X509Certificate2? clientCertificate = null;
        if (cert is not null && key is not null)
        {
            RequireFile("--cert", cert);
            RequireFile("--key", key);
            try
            {
                clientCertificate = X509Certificate2.CreateFromPemFile(cert.FullName, key.FullName);
            }
            catch (Exception exception) when (exception is CryptographicException or ArgumentException)
            {
                throw new ArgumentException($"--cert {cert.FullName} / --key {key.FullName}: not a PEM certificate and its matching private key ({exception.Message.Replace(" (Parameter 'privateKey')", string.Empty, StringComparison.Ordinal)}).", exception);
            }
        }

        return new MonitorSettings
        {
            Broker = address,
            DeviceFilter = device,
            Username = username,

            // The variable keeps the password out of the shell history and the process list.
            Password = username is null ? null : password ?? Environment.GetEnvironmentVariable(PasswordVariable),
            CredentialsFile = credentials?.FullName,
            CredentialsByDefault = credentialsByDefault,
            TrustedAuthorities = authorities,
            ClientCertificate = clientCertificate,
            Duration = seconds is { } d ? TimeSpan.FromSeconds(d) : null,
            Plain = plain,
            PrintEvents = events,
        };
    }

    public void Dispose()
    {
        ClientCertificate?.Dispose();
        if (TrustedAuthorities is not null)
        {
            foreach (var authority in TrustedAuthorities)
            {
                authority.Dispose();
            }
        }
    }

    private static X509Certificate2Collection LoadAuthorities(FileInfo ca)
    {
        RequireFile("--ca", ca);
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(ca.FullName);
        }
        catch (CryptographicException exception)
        {
            throw new ArgumentException($"--ca {ca.FullName}: not a PEM certificate file ({exception.Message}).", exception);
        }

        return authorities.Count > 0 ? authorities : throw new ArgumentException($"--ca {ca.FullName}: holds no PEM certificate.");
    }

    private static string PasswordFrom(FileInfo credentials, string username)
    {
        try
        {
            return EdgeBci.Telemetry.Broker.BrokerCredentials.Load(credentials.FullName).For(username).Password;
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException)
        {
            // BrokerCredentials names the file and the cause (missing, unreadable, not this format, no such user).
            throw new ArgumentException($"--credentials {credentials.FullName}: {exception.Message}", exception);
        }
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));

    private static void RequireFile(string option, FileInfo file)
    {
        if (!file.Exists)
        {
            throw new ArgumentException($"{option} {file.FullName}: no such file.");
        }
    }
}
