using System.Net;
using EdgeBci.Acquisition.Configuration;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Web.Hosting;

/// <summary>The <c>Web</c> configuration section: the wearer's page served by the unit.</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>Unset: served on the emulator (make run) and off on real boards, where it must be turned on by configuration (<see cref="IsEnabledOn"/>).</summary>
    public bool? Enabled { get; set; }

    /// <summary>The IP address Kestrel listens on; beyond loopback the page is served over HTTPS only.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>The unit's certificate: a PFX/PKCS#12 file, or a PEM certificate with its key (in the same file or <see cref="CertificateKeyPath"/>).</summary>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>A PEM key beside a PEM certificate; empty = the key is in <see cref="CertificatePath"/>.</summary>
    public string CertificateKeyPath { get; set; } = string.Empty;

    /// <summary>A file holding the PFX's (or the encrypted PEM key's) password on its first line; empty = no password.</summary>
    public string CertificatePasswordFile { get; set; } = string.Empty;

    /// <summary>The camp's SQLite file; empty = CampDatabase.DefaultPath.</summary>
    public string DatabasePath { get; set; } = string.Empty;

    public int SessionHours { get; set; } = 12;

    public int PairingCodeMinutes { get; set; } = 10;

    /// <summary>Messages queued per browser on the live stream before the oldest is dropped.</summary>
    public int StreamQueueLength { get; set; } = 64;

    /// <summary>Trace points per second per channel sent to the page (at most the front-end's sample rate).</summary>
    public int TraceDisplayRate { get; set; } = 125;

    public int TraceBatchesPerSecond { get; set; } = 10;

    /// <summary>Whether the page is served on <paramref name="board"/>: as configured, else only on the emulator.</summary>
    public bool IsEnabledOn(string board) => Enabled ?? string.Equals(board, "emulator", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <see cref="Address"/> is a loopback address (plain HTTP allowed there).</summary>
    public bool IsLoopback => IPAddress.TryParse(Address, out var address) && IPAddress.IsLoopback(address);

    public bool UsesHttps => CertificatePath.Length > 0;

    /// <summary>Binds the section strictly (unknown keys refused) and validates it.</summary>
    /// <exception cref="ArgumentException">A key is unknown or a value is not allowed; the message names every one (Web:Key).</exception>
    public static WebOptions Bind(IConfiguration configuration)
    {
        var options = AcquisitionSettings.BindSection<WebOptions>(configuration, Section);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        return options;
    }

    /// <summary>Every configuration error, each naming the key, its value and what is allowed; empty when the section is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        const string S = Section;
        if (!IPAddress.TryParse(Address, out var address))
        {
            errors.Add($"{S}:Address is '{Address}': use an IP address such as 127.0.0.1 (loopback) or 0.0.0.0 (every interface, HTTPS)");
        }
        else if (!IPAddress.IsLoopback(address) && CertificatePath.Length == 0)
        {
            errors.Add($"{S}:CertificatePath is empty but {S}:Address is '{Address}', beyond loopback: the page is served there over HTTPS only; set {S}:CertificatePath to the unit's certificate (PFX, or PEM with its key)");
        }

        CheckRange(errors, "Port", Port, 0, 65535);
        CheckFile(errors, "CertificatePath", CertificatePath);
        CheckFile(errors, "CertificateKeyPath", CertificateKeyPath);
        CheckFile(errors, "CertificatePasswordFile", CertificatePasswordFile);
        if (CertificateKeyPath.Length > 0 && CertificatePath.Length == 0)
        {
            errors.Add($"{S}:CertificateKeyPath is '{CertificateKeyPath}' but {S}:CertificatePath is empty: the key goes with a certificate");
        }

        if (DatabasePath.Length > 0 && (string.IsNullOrWhiteSpace(DatabasePath) || DatabasePath.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            errors.Add($"{S}:DatabasePath is '{DatabasePath}': not a usable file path");
        }

        CheckRange(errors, "SessionHours", SessionHours, 1, 24 * 30);
        CheckRange(errors, "PairingCodeMinutes", PairingCodeMinutes, 1, 60);
        CheckRange(errors, "StreamQueueLength", StreamQueueLength, 4, 4096);
        CheckRange(errors, "TraceDisplayRate", TraceDisplayRate, 1, 1000);
        CheckRange(errors, "TraceBatchesPerSecond", TraceBatchesPerSecond, 1, 30);
        if (TraceBatchesPerSecond > TraceDisplayRate && TraceDisplayRate >= 1)
        {
            errors.Add($"{S}:TraceBatchesPerSecond is {TraceBatchesPerSecond}: use at most {S}:TraceDisplayRate ({TraceDisplayRate}), one point per batch or more");
        }

        return errors;
    }

    /// <summary>The display rate checked against the front-end's rate, which is known only once the unit runs.</summary>
    /// <exception cref="ArgumentException">Web:TraceDisplayRate is above the sample rate (named).</exception>
    public void ValidateAgainstSampleRate(int sampleRate)
    {
        if (TraceDisplayRate > sampleRate)
        {
            throw new ArgumentException($"{Section}:TraceDisplayRate is {TraceDisplayRate}: use 1 to the front-end's sample rate ({sampleRate})");
        }
    }

    private static void CheckRange(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{Section}:{key} is {value}: use {min} to {max}");
        }
    }

    private static void CheckFile(List<string> errors, string key, string path)
    {
        if (path.Length > 0 && !File.Exists(path))
        {
            errors.Add($"{Section}:{key} is '{path}': no such file");
        }
    }
}
