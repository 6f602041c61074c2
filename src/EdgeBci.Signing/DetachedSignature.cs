using System.Globalization;
using System.Text;

namespace EdgeBci.Signing;

/// <summary>
/// The signature file beside a signed manifest: one line, <c>ed25519 &lt;key id&gt; &lt;base64 signature&gt;</c>, over
/// the manifest's exact bytes. Text, so an engineer can see which key signed; the raw signature is what
/// <c>openssl pkeyutl -verify -rawin</c> checks, so the unit's installer verifies it before running anything the
/// bundle brought.
/// </summary>
public sealed class DetachedSignature
{
    /// <summary>Length of an Ed25519 signature in bytes.</summary>
    public const int SignatureLength = 64;

    private const string Algorithm = "ed25519";

    private DetachedSignature(string keyId, byte[] signature)
    {
        KeyId = keyId;
        Signature = signature;
    }

    /// <summary>Id of the key that made the signature (<see cref="TrustedKey.KeyId"/>).</summary>
    public string KeyId { get; }

    /// <summary>The 64 signature bytes.</summary>
    public IReadOnlyList<byte> Signature { get; }

    /// <summary>Signs <paramref name="data"/> with <paramref name="key"/>.</summary>
    public static DetachedSignature Create(SigningKey key, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new DetachedSignature(key.KeyId, key.Sign(data));
    }

    /// <summary>Signs the file at <paramref name="signedPath"/> and writes the signature to <paramref name="signaturePath"/>.</summary>
    public static DetachedSignature SignFile(SigningKey key, string signedPath, string signaturePath)
    {
        var signature = Create(key, File.ReadAllBytes(signedPath));
        signature.Write(signaturePath);
        return signature;
    }

    /// <summary>Reads a signature file; null when there is none (an unsigned manifest).</summary>
    /// <exception cref="SigningException">The file exists but is not one line in this format.</exception>
    public static DetachedSignature? ReadIfPresent(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path, Encoding.ASCII).TrimEnd('\n', '\r');
        var parts = text.Split(' ');
        if (parts.Length != 3 || parts[0] != Algorithm || parts[1].Length != 16 || !IsLowerHex(parts[1]))
        {
            throw new SigningException($"{path}: not a signature file (expected one line \"{Algorithm} <16 hex key id> <base64 signature>\").");
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException e)
        {
            throw new SigningException($"{path}: the signature is not base64.", e);
        }

        if (signature.Length != SignatureLength)
        {
            throw new SigningException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: the signature is {signature.Length} bytes; Ed25519 signatures are {SignatureLength}."));
        }

        return new DetachedSignature(parts[1], signature);
    }

    /// <summary>Writes the one-line file (flushed to disk: a signature is written just before a bundle is sealed).</summary>
    public void Write(string path)
    {
        var line = $"{Algorithm} {KeyId} {Convert.ToBase64String((byte[])Signature)}\n";
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write(Encoding.ASCII.GetBytes(line));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Checks <paramref name="data"/> (the manifest's bytes) against this signature and the trusted keys. Only the key
    /// the signature names is tried, so a signature cannot be passed off as another key's.
    /// </summary>
    public SignatureCheck Check(ReadOnlySpan<byte> data, TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var key = trust.Find(KeyId);
        if (key is null)
        {
            return new SignatureCheck(SignatureVerdict.ForeignKey, KeyId, null);
        }

        return key.Verifies(data, (byte[])Signature)
            ? new SignatureCheck(SignatureVerdict.Valid, KeyId, key)
            : new SignatureCheck(SignatureVerdict.Mismatch, KeyId, key);
    }

    /// <summary>
    /// The whole check of a signed file: unsigned (no signature file), signed by a key not trusted, or a signature
    /// that does not match the bytes (tampered).
    /// </summary>
    public static SignatureCheck CheckFile(string signedPath, string signaturePath, TrustStore trust)
    {
        var signature = ReadIfPresent(signaturePath);
        if (signature is null)
        {
            return new SignatureCheck(SignatureVerdict.Unsigned, null, null);
        }

        return signature.Check(File.ReadAllBytes(signedPath), trust);
    }

    private static bool IsLowerHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
