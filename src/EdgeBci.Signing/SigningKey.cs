using System.Text;
using NSec.Cryptography;

namespace EdgeBci.Signing;

/// <summary>
/// An Ed25519 private key, kept in a PEM file (PKCS#8, "BEGIN PRIVATE KEY") that OpenSSL reads too. The key never
/// enters the repository: <see cref="Generate"/> writes it with mode 0600 wherever the engineer keeps their keys.
/// </summary>
public sealed class SigningKey : IDisposable
{
    /// <summary>File name ending of a private key.</summary>
    public const string PrivateKeyExtension = ".key";

    private readonly Key _key;

    private SigningKey(Key key)
    {
        _key = key;
        PublicKey = new TrustedKey(key.PublicKey, "(generated)");
    }

    /// <summary>The public half, as a unit trusts it.</summary>
    public TrustedKey PublicKey { get; }

    /// <summary>Short, stable name of the key: the first 8 bytes of SHA-256 of the raw public key, in hex.</summary>
    public string KeyId => PublicKey.KeyId;

    /// <summary>
    /// Creates a key pair and writes <c>&lt;path&gt;.key</c> (private, 0600) and <c>&lt;path&gt;.pub.pem</c> (public).
    /// Refuses to overwrite either file.
    /// </summary>
    public static SigningKey Generate(string pathWithoutExtension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        var privatePath = Path.GetFullPath(pathWithoutExtension + PrivateKeyExtension);
        var publicPath = Path.GetFullPath(pathWithoutExtension + TrustedKey.PublicKeyExtension);
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (File.Exists(path))
            {
                throw new SigningException($"{path} already exists; a key is never overwritten (choose another name or move it away).");
            }
        }

        var directory = Path.GetDirectoryName(privatePath)!;
        Directory.CreateDirectory(directory);
        var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var signingKey = new SigningKey(key);
        WritePrivate(privatePath, key.Export(KeyBlobFormat.PkixPrivateKeyText));
        File.WriteAllBytes(publicPath, key.PublicKey.Export(KeyBlobFormat.PkixPublicKeyText));
        return signingKey;
    }

    /// <summary>Reads a private key written by <see cref="Generate"/> (or by <c>openssl genpkey -algorithm ed25519</c>).</summary>
    public static SigningKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new SigningException($"{full}: no such key file (make one with: edgebci release keygen --out <folder>/<name>).");
        }

        var text = File.ReadAllBytes(full);
        if (!Encoding.ASCII.GetString(text).Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new SigningException($"{full}: not a PEM private key (expected \"-----BEGIN PRIVATE KEY-----\"; a .pub.pem file is the public half).");
        }

        if (!Key.TryImport(SignatureAlgorithm.Ed25519, text, KeyBlobFormat.PkixPrivateKeyText, out var key,
                new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None }) || key is null)
        {
            throw new SigningException($"{full}: not an Ed25519 private key.");
        }

        return new SigningKey(key);
    }

    /// <summary>The 64-byte Ed25519 signature of <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    public void Dispose() => _key.Dispose();

    private static void WritePrivate(string path, byte[] pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(pem);
        stream.Flush(flushToDisk: true);
    }
}
