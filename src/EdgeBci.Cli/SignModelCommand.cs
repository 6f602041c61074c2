using System.CommandLine;
using EdgeBci.Decoding.Bundle;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci sign-model &lt;bundle&gt; --key K</c>: signs a model bundle's manifest with the trainer's key
/// (<c>manifest.sig</c> beside <c>manifest.json</c>). The manifest holds every file's SHA-256, so the bundle is verified
/// first: a bundle whose files no longer match is refused, never signed.
/// </summary>
internal static class SignModelCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var bundle = new Argument<DirectoryInfo>("bundle") { Description = "The model bundle folder (manifest.json, model.onnx, ...)." };
        var key = new Option<FileInfo>("--key") { Description = "The trainer's private key (.key, from edgebci release keygen).", Required = true };
        var command = new Command("sign-model", "Signs a verified model bundle with the trainer's key (manifest.sig), so a unit that trusts the key loads it.");
        command.Arguments.Add(bundle);
        command.Options.Add(key);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            using var signingKey = ModelSigningOptions.LoadKey(parse.GetValue(key), "--key")!;

            // Any signature already there is replaced, so it is not what is checked: the files against the manifest are.
            var loaded = ModelBundle.Load(parse.GetValue(bundle)!.FullName, ModelTrustPolicy.None);
            ModelSignature.Sign(loaded.Folder, signingKey);
            output.MarkupLine(Markup.Escape(
                $"signed: {loaded.Folder} ({loaded.Manifest.ModelId} {loaded.Manifest.ModelVersion}, {loaded.Manifest.Files.Count} files) with key {signingKey.KeyId}; " +
                $"a unit loads it when the key's .pub.pem is in its trust folder."));
            return EdgeBciCommand.Success;
        }));
        return command;
    }
}
