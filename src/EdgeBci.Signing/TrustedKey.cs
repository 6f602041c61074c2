using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace EdgeBci.Signing;

/// <summary>An Ed25519 public key a unit trusts, read from a PEM file (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY").</summary>
public sealed class TrustedKey
{
    /// <summary>File name ending of a public key, in the trust folder and beside a private key.</summary>
    public const string PublicKeyExtension = ".pub.pem";

    private readonly PublicKey _key;

    internal TrustedKey(PublicKey key, string source)
    {
        _key = key;
        Source = source;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key.Export(KeyBlobFormat.RawPublicKey), hash);
        KeyId = Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>The first 8 bytes of SHA-256 of the raw 32-byte public key, in lower-case hex (16 characters).</summary>
    public string KeyId { get; }

    /// <summary>The file the key was read from.</summary>
    public string Source { get; }

    /// <summary>Reads one public key file.</summary>
    public static TrustedKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new SigningException($"{full}: no such public key file.");
        }

        var text = File.ReadAllBytes(full);
        if (Encoding.ASCII.GetString(text).Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new SigningException($"{full} is a PRIVATE key; a unit must only ever hold public keys (the .pub.pem file).");
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, text, KeyBlobFormat.PkixPublicKeyText, out var key) || key is null)
        {
            throw new SigningException($"{full}: not an Ed25519 public key in PEM (\"-----BEGIN PUBLIC KEY-----\").");
        }

        return new TrustedKey(key, full);
    }

    /// <summary>True when <paramref name="signature"/> is this key's Ed25519 signature of <paramref name="data"/>.</summary>
    public bool Verifies(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == DetachedSignature.SignatureLength && SignatureAlgorithm.Ed25519.Verify(_key, data, signature);

    /// <summary>The key in the PEM form a trust folder holds.</summary>
    public byte[] ExportPem() => _key.Export(KeyBlobFormat.PkixPublicKeyText);
}
