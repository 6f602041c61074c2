using System.CommandLine;
using System.Globalization;
using EdgeBci.Release.Bundle;
using EdgeBci.Signing;
using Spectre.Console;

namespace EdgeBci.Cli.Release;

/// <summary>
/// <c>edgebci release keygen | sign | verify</c>: the build machine's side of signed releases. <c>verify</c> runs the
/// unit's checks in the order and with the lines the installer prints. Exit 0 done, 3 bundle refused (verify), 1 bad
/// options, a key or trust folder that cannot be used, or a file that cannot be read or written.
/// </summary>
internal static class ReleaseSigningCommands
{
    public const int Refused = 3;

    public static void Add(Command group, IAnsiConsole output)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.Subcommands.Add(Keygen(output));
        group.Subcommands.Add(Sign(output));
        group.Subcommands.Add(Verify(output));
    }

    private static Command Keygen(IAnsiConsole output)
    {
        var path = new Option<string>("--out")
        {
            Description = "Where to write the key pair, without extension: <folder>/<name> writes <name>.key (private, 0600) and <name>.pub.pem. Keep it out of the repository.",
            Required = true,
        };
        var command = new Command("keygen", "Makes an Ed25519 release signing key pair (never overwrites a key).");
        command.Options.Add(path);
        command.SetAction(parse => Guard(output, () =>
        {
            var name = parse.GetValue(path)!;
            name = name.EndsWith(SigningKey.PrivateKeyExtension, StringComparison.Ordinal) ? name[..^SigningKey.PrivateKeyExtension.Length] : name;
            using var key = SigningKey.Generate(name);
            var publicPath = Path.GetFullPath(name + TrustedKey.PublicKeyExtension);
            Line(output, $"private key: {Path.GetFullPath(name + SigningKey.PrivateKeyExtension)} (keep it secret, never in the repository)");
            Line(output, $"public key:  {publicPath}");
            Line(output, $"key id:      {key.KeyId}");
            Line(output, $"trust it on a unit: sudo install -D -m 0644 {publicPath} {TrustStore.DefaultFolder}/{Path.GetFileName(publicPath)}");
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static Command Sign(IAnsiConsole output)
    {
        var key = new Option<FileInfo>("--key") { Description = "The private signing key (<name>.key from `edgebci release keygen`).", Required = true };
        var stage = new Option<DirectoryInfo>("--stage") { Description = "The staged release folder (firmware/, cli/, deploy/); manifest.txt and manifest.sig are written into it.", Required = true };
        var version = new Option<string>("--version") { Description = "Release version, MAJOR.MINOR.PATCH[-prerelease].", Required = true };
        var rid = new Option<string>("--rid") { Description = $"Runtime the stage was published for: {string.Join(" or ", ReleaseManifest.SupportedRids)}.", Required = true };
        var boards = new Option<string>("--boards") { Description = "Boards the release runs on, space-separated (\"rpi4 rpi5 emulator\").", Required = true };
        var commit = new Option<string>("--commit") { Description = "Git commit of the build.", DefaultValueFactory = _ => ReleaseManifest.UnknownCommit };
        var created = new Option<string?>("--created") { Description = "Signing time, UTC yyyy-MM-ddTHH:mm:ssZ (default now); the same stage and time pack to the same bytes." };
        var bundle = new Option<FileInfo>("--out") { Description = "The bundle to write (edgebci-firmware-<version>-<rid>.tar.gz).", Required = true };
        var command = new Command("sign", "Lists every file of a staged release in manifest.txt, signs it into manifest.sig and packs the stage into a .tar.gz bundle.");
        foreach (var option in new Option[] { key, stage, version, rid, boards, commit, created, bundle })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Guard(output, () =>
        {
            var identity = new ReleaseIdentity(
                ReleaseVersion.Parse(parse.GetValue(version)!, "--version"),
                parse.GetValue(commit)!,
                parse.GetValue(rid)!,
                parse.GetValue(boards)!.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                ParseCreated(parse.GetValue(created)));
            using var signingKey = SigningKey.Load(parse.GetValue(key)!.FullName);
            var stageFolder = parse.GetValue(stage)!.FullName;
            var manifest = ReleaseSigner.Sign(signingKey, stageFolder, identity);
            var bundlePath = parse.GetValue(bundle)!.FullName;
            ReleaseArchive.Pack(stageFolder, bundlePath, manifest.Created);
            long bytes = 0;
            foreach (var file in manifest.Files)
            {
                bytes += file.Size;
            }

            Line(output, string.Create(CultureInfo.InvariantCulture,
                $"signed: {bundlePath} (version {manifest.Version}, {manifest.Rid}, boards {string.Join(' ', manifest.Boards)}, {manifest.Files.Count} files, {bytes} bytes unpacked, {new FileInfo(bundlePath).Length} bytes packed)"));
            Line(output, $"key id: {signingKey.KeyId}");
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static Command Verify(IAnsiConsole output)
    {
        var bundle = new Argument<FileInfo>("bundle") { Description = "The release bundle (.tar.gz)." };
        var trust = new Option<DirectoryInfo?>("--trust") { Description = $"Folder of trusted public keys (*.pub.pem); default {TrustStore.DefaultFolder}." };
        var installed = new Option<string?>("--installed-version") { Description = "The version installed now: an older bundle is refused as a downgrade, the same version is a reinstall." };
        var allowDowngrade = new Option<bool>("--allow-downgrade") { Description = "Accept a bundle older than --installed-version." };
        var board = new Option<string?>("--board") { Description = "The unit's board, which the bundle must list." };
        var rid = new Option<string?>("--rid") { Description = "The unit's runtime (linux-arm64, linux-x64), which the bundle must be built for." };
        var command = new Command("verify", "Verifies a release bundle as the unit's installer does: signature, manifest, every file, then runtime, board and version.");
        command.Arguments.Add(bundle);
        foreach (var option in new Option[] { trust, installed, allowDowngrade, board, rid })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Guard(output, () =>
        {
            var trustStore = TrustStore.Load(parse.GetValue(trust)?.FullName ?? TrustStore.DefaultFolder);
            var options = new ReleaseVerificationOptions
            {
                InstalledVersion = parse.GetValue(installed) is { } text ? ReleaseVersion.Parse(text, "--installed-version") : null,
                AllowDowngrade = parse.GetValue(allowDowngrade),
                Board = parse.GetValue(board),
                Rid = parse.GetValue(rid),
            };
            var bundleFile = parse.GetValue(bundle)!;
            var verified = ReleaseVerifier.VerifyArchive(bundleFile.FullName, trustStore, options);
            Line(output, $"verified: {bundleFile.Name} {verified.Manifest.Version} signed by {verified.KeyId}");
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    /// <summary>
    /// One whole line, never wrapped at the console's width: the verdict lines are read by scripts (flash.sh) and paths
    /// are copied from them.
    /// </summary>
    private static void Line(IAnsiConsole output, string line) => output.Profile.Out.Writer.WriteLine(line);

    private static DateTimeOffset ParseCreated(string? text)
    {
        if (text is null)
        {
            return DateTimeOffset.UtcNow;
        }

        return DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? created
            : throw new ArgumentException($"--created \"{text}\": expected a UTC time yyyy-MM-ddTHH:mm:ssZ.");
    }

    /// <summary>A refused bundle is exit 3 with its one line; anything the engineer must fix first is exit 1.</summary>
    private static int Guard(IAnsiConsole output, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ReleaseVerificationException exception)
        {
            Line(output, $"refused: {exception.Message}");
            return Refused;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or SigningException or ReleaseManifestException
                                              or IOException or UnauthorizedAccessException)
        {
            var message = exception is ArgumentException { ParamName: { } name } argument && argument.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
                ? argument.Message[..^$" (Parameter '{name}')".Length]
                : exception.Message;
            EdgeBciCommand.Error(output, message);
            return EdgeBciCommand.Failed;
        }
    }
}
