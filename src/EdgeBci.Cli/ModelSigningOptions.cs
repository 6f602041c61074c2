using System.CommandLine;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// The trainer's key and the trust folder as the model commands take them (<c>--sign-key</c>, <c>--key</c>,
/// <c>--trust</c>): a key or trust file that cannot be used is bad input named by its option, and a command that writes
/// a bundle says in one line whether it signed it.
/// </summary>
internal static class ModelSigningOptions
{
    /// <summary><c>--sign-key</c> of the commands that write a bundle.</summary>
    public static Option<FileInfo?> SignKey() => new("--sign-key")
    {
        Description = "The trainer's private key (.key, from edgebci release keygen) the bundle is signed with (manifest.sig). Without it the bundle is unsigned and a real board refuses it.",
    };

    /// <summary>Reads a private key; null when none was given.</summary>
    /// <exception cref="ArgumentException">The file is missing or not an Ed25519 private key (named, with the option).</exception>
    public static SigningKey? LoadKey(FileInfo? file, string option)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            return SigningKey.Load(file.FullName);
        }
        catch (SigningException exception)
        {
            throw new ArgumentException($"{option}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// The trusted keys: a folder of <c>*.pub.pem</c> (a unit's trust folder), a single <c>.pub.pem</c> file, or the
    /// unit's default folder when <paramref name="given"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">A file that is not a public key (named, with the option).</exception>
    public static TrustStore LoadTrust(string? given, string option)
    {
        try
        {
            if (given is not null && File.Exists(given))
            {
                return TrustStore.Of(Path.GetFullPath(given), TrustedKey.Load(given));
            }

            return TrustStore.Load(given ?? TrustStore.DefaultFolder);
        }
        catch (SigningException exception)
        {
            throw new ArgumentException($"{option}: {exception.Message}", exception);
        }
    }

    /// <summary>The one line saying whether the bundle just written is signed, and what to do when it is not.</summary>
    public static void ReportSigned(IAnsiConsole output, string folder, SigningKey? key)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.MarkupLine(key is null
            ? $"[yellow]unsigned[/]: {Markup.Escape(folder)} has no {ModelSignature.FileName}; a real board refuses it until it is signed (edgebci sign-model <bundle> --key <trainer.key>)."
            : $"[green]signed[/]: {Markup.Escape(Path.Combine(folder, ModelSignature.FileName))} by key {key.KeyId}.");
    }
}
