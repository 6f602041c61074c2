using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeBci.Signing;

namespace EdgeBci.Decoding.Bundle;

/// <summary>
/// A verified model bundle: a folder with <c>manifest.json</c>, <c>model.onnx</c> (int8), <c>model.fp32.onnx</c> and
/// whatever else the manifest lists, and <c>manifest.sig</c> when a trainer signed it (<see cref="ModelSignature"/>).
/// <see cref="Load"/> is the only way to get one: it checks the signature as the caller's <see cref="ModelTrustPolicy"/>
/// asks, then every file's size and SHA-256 against the manifest, so holding a <see cref="ModelBundle"/> means the
/// manifest came from a trusted trainer (when the policy asked) and the files were intact when it was opened.
/// </summary>
public sealed class ModelBundle
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private ModelBundle(string folder, ModelManifest manifest, SignatureCheck? signature, string? warning)
    {
        Folder = folder;
        Manifest = manifest;
        Signature = signature;
        Warning = warning;
    }

    /// <summary>Full path of the bundle folder.</summary>
    public string Folder { get; }

    public ModelManifest Manifest { get; }

    /// <summary>What the signature check found (valid, or unsigned under WarnIfUnsigned); null when the policy was None.</summary>
    public SignatureCheck? Signature { get; }

    /// <summary>One line the caller logs when the bundle loaded although it is not signed (WarnIfUnsigned); else null.</summary>
    public string? Warning { get; }

    /// <summary>Full path of the int8 model.</summary>
    public string Int8ModelPath => Path.Combine(Folder, ModelManifest.Int8ModelFile);

    /// <summary>Full path of the fp32 model.</summary>
    public string Fp32ModelPath => Path.Combine(Folder, ModelManifest.Fp32ModelFile);

    /// <summary>Checks the signature as <paramref name="trust"/> asks, then reads the manifest and verifies every file it lists.</summary>
    /// <exception cref="ModelBundleException">
    /// The signature is missing (under Required), names a key not trusted, or does not match the manifest (the
    /// message is <see cref="SignatureCheck.Describe"/>'s line); the signature comes first, so a tampered bundle is
    /// reported as such whatever else is wrong with it. Then: the folder or manifest is missing or malformed, the schema
    /// is not this firmware's, a listed file is missing, has another size, or its SHA-256 differs from the manifest's.
    /// The message names the file.
    /// </exception>
    public static ModelBundle Load(string folder, ModelTrustPolicy trust)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(trust);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new ModelBundleException($"Model bundle '{full}': no such folder.");
        }

        // One read: the bytes whose signature is checked are the bytes parsed, whatever happens to the file meanwhile.
        var path = Path.Combine(full, ModelManifest.FileName);
        var bytes = ReadManifestBytes(path);
        var signature = ModelSignature.Enforce(full, bytes, trust, out var warning);
        var manifest = ParseManifest(bytes, path);
        foreach (var file in manifest.Files)
        {
            Verify(full, file);
        }

        AlignmentGraphCheck.Check(full, manifest);
        return new ModelBundle(full, manifest, signature, warning);
    }

    /// <summary>Parses and checks a manifest without looking at the files it lists.</summary>
    /// <exception cref="ModelBundleException">The file is missing, is not valid JSON, lacks a field, or a value is out of range.</exception>
    public static ModelManifest ReadManifest(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return ParseManifest(ReadManifestBytes(path), path);
    }

    private static byte[] ReadManifestBytes(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelBundleException($"{path}: no manifest; a model bundle needs {ModelManifest.FileName} beside its models.");
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ModelBundleException($"{path}: cannot be read: {e.Message}", e);
        }
    }

    private static ModelManifest ParseManifest(byte[] bytes, string path)
    {
        ModelManifest? manifest;
        try
        {
            // A manifest edited by hand may start with a byte order mark, which the stream reader used to skip.
            var json = bytes.AsSpan();
            manifest = JsonSerializer.Deserialize<ModelManifest>(json.StartsWith("\uFEFF"u8) ? json[3..] : json, Json);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } jsonPath ? $" at {jsonPath}" : string.Empty;
            throw new ModelBundleException($"{path}: not a valid manifest{where}: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new ModelBundleException($"{path}: the manifest is empty (null).");
        }

        var problems = Problems(manifest);
        if (problems.Count > 0)
        {
            throw new ModelBundleException($"{path}: {string.Join(" ", problems)}");
        }

        return manifest;
    }

    /// <summary>
    /// Writes a bundle: every file of <paramref name="files"/> plus a manifest listing their SHA-256 and sizes (any
    /// <see cref="ModelManifest.Files"/> given is replaced), signed with <paramref name="signer"/> when one is given.
    /// The bundle is assembled in a temporary folder beside <paramref name="folder"/> and moved into place, so a reader
    /// never sees half a bundle or a bundle not yet signed; an existing bundle there (with its signature, which does not
    /// sign the new manifest) is replaced only once the new one is complete.
    /// </summary>
    /// <returns>The manifest as written.</returns>
    /// <exception cref="ArgumentException">A file name is not a plain name, or the int8 model is missing.</exception>
    public static ModelManifest Write(string folder, ModelManifest manifest, IReadOnlyDictionary<string, byte[]> files, SigningKey? signer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(files);
        if (!files.ContainsKey(ModelManifest.Int8ModelFile))
        {
            throw new ArgumentException($"A bundle needs {ModelManifest.Int8ModelFile}.", nameof(files));
        }

        var listed = new List<BundleFile>(files.Count);
        foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!IsPlainName(name) || IsManifestOrSignature(name))
            {
                throw new ArgumentException($"'{name}' cannot be a bundle file: use a plain file name other than {ModelManifest.FileName} and {ModelSignature.FileName}.", nameof(files));
            }

            listed.Add(new BundleFile(name, Sha256(bytes), bytes.LongLength));
        }

        var complete = manifest with { Files = listed };
        var problems = Problems(complete);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The manifest is not valid: {string.Join(" ", problems)}", nameof(manifest));
        }

        var target = Path.GetFullPath(folder);
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{folder}' has no parent folder.", nameof(folder));
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (name, bytes) in files)
            {
                WriteDurably(Path.Combine(staging, name), bytes);
            }

            WriteDurably(Path.Combine(staging, ModelManifest.FileName), JsonSerializer.SerializeToUtf8Bytes(complete, Json));
            if (signer is not null)
            {
                ModelSignature.Sign(staging, signer);
            }

            string? previous = null;
            if (Directory.Exists(target))
            {
                previous = staging + ".previous";
                Directory.Move(target, previous);
            }

            Directory.Move(staging, target);
            if (previous is not null)
            {
                Directory.Delete(previous, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return complete;
    }

    /// <summary>Lower-case hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Lower-case hex SHA-256 of a file, streamed.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The manifest as the JSON <see cref="Write"/> stores.</summary>
    public static string ToJson(ModelManifest manifest) => JsonSerializer.Serialize(manifest, Json);

    private static void Verify(string folder, BundleFile file)
    {
        var path = Path.Combine(folder, file.Name);
        if (!File.Exists(path))
        {
            throw new ModelBundleException($"{path}: listed in {ModelManifest.FileName} but missing.");
        }

        var length = new FileInfo(path).Length;
        if (length != file.Bytes)
        {
            throw new ModelBundleException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {length} bytes, but {ModelManifest.FileName} says {file.Bytes}; the file was changed or truncated, refusing the bundle."));
        }

        var actual = Sha256(path);
        if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelBundleException(
                $"{path}: SHA-256 {actual} does not match {file.Sha256} in {ModelManifest.FileName}; the file was changed, refusing the bundle.");
        }
    }

    private static List<string> Problems(ModelManifest manifest)
    {
        var problems = new List<string>();
        if (manifest.SchemaVersion != ModelManifest.CurrentSchemaVersion)
        {
            problems.Add($"schemaVersion {manifest.SchemaVersion} is not supported; this firmware reads {ModelManifest.CurrentSchemaVersion}.");
        }

        if (string.IsNullOrWhiteSpace(manifest.ModelId) || string.IsNullOrWhiteSpace(manifest.ModelVersion))
        {
            problems.Add("modelId and modelVersion must not be empty.");
        }

        if (manifest.Channels is null || manifest.Channels.Count == 0)
        {
            problems.Add("channels is empty.");
        }
        else if (manifest.Channels.Distinct(StringComparer.OrdinalIgnoreCase).Count() != manifest.Channels.Count)
        {
            problems.Add($"channels [{string.Join(", ", manifest.Channels)}] name a channel twice.");
        }

        if (!(manifest.SampleRate > 0) || !double.IsFinite(manifest.SampleRate))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"sampleRate {manifest.SampleRate} must be a positive number of Hz."));
        }

        if (manifest.WindowSamples < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"windowSamples {manifest.WindowSamples} must be at least 1."));
        }

        if (!(manifest.HopSeconds > 0))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"hopSeconds {manifest.HopSeconds} must be positive."));
        }

        if (manifest.Classes is null || manifest.Classes.Count < 2)
        {
            problems.Add("classes must name at least two classes.");
        }

        if (manifest.SignalChain is null || manifest.Normalization is null || manifest.Tensors is null)
        {
            problems.Add("signalChain, normalization and tensors are required.");
        }

        if (manifest.Files is null || !manifest.Files.Any(f => f.Name == ModelManifest.Int8ModelFile))
        {
            problems.Add($"files does not list {ModelManifest.Int8ModelFile}.");
        }
        else
        {
            foreach (var file in manifest.Files)
            {
                if (file is null || !IsPlainName(file.Name) || IsManifestOrSignature(file.Name))
                {
                    problems.Add($"files lists '{file?.Name}', which is not a plain file name of the bundle.");
                }
                else if (file.Sha256 is not { Length: 64 } || !file.Sha256.All(char.IsAsciiHexDigit))
                {
                    problems.Add($"files: '{file.Name}' has no valid SHA-256 (64 hex digits).");
                }
            }
        }

        AlignmentProblems(manifest, problems);
        if (manifest.Checkpoint is { } checkpoint
            && (checkpoint.Architecture is null || manifest.Files is null || !manifest.Files.Any(f => f?.Name == checkpoint.File)))
        {
            problems.Add($"checkpoint names '{checkpoint.File}', which files does not list (or it has no architecture).");
        }

        return problems;
    }

    private static void AlignmentProblems(ModelManifest manifest, List<string> problems)
    {
        if (manifest.Alignment is not { } alignment)
        {
            return;
        }

        if (!string.Equals(alignment.Method, ModelAlignment.Euclidean, StringComparison.Ordinal))
        {
            problems.Add($"alignment.method '{alignment.Method}' is unknown; this firmware applies '{ModelAlignment.Euclidean}'.");
        }

        var channels = manifest.Channels?.Count ?? 0;
        if (alignment.Matrix is null || alignment.Matrix.Count != channels)
        {
            problems.Add($"alignment.matrix has {alignment.Matrix?.Count ?? 0} rows; the {channels} channels need a {channels} × {channels} matrix.");
            return;
        }

        for (var i = 0; i < channels; i++)
        {
            var row = alignment.Matrix[i];
            if (row is null || row.Count != channels)
            {
                problems.Add($"alignment.matrix[{i}] has {row?.Count ?? 0} values; the {channels} channels need {channels} per row.");
                return;
            }

            for (var j = 0; j < channels; j++)
            {
                if (!double.IsFinite(row[j]))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"alignment.matrix[{i}][{j}] is {row[j]}; every element must be finite."));
                    return;
                }
            }
        }

        if (alignment.Windows < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"alignment.windows {alignment.Windows} must be at least 1 (the windows the matrix was computed from)."));
        }
    }

    // Names only: a manifest must not make the unit read outside its bundle folder.
    private static bool IsPlainName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    // The manifest cannot hash itself, and the signature signs the manifest: neither is one of the files it lists.
    private static bool IsManifestOrSignature(string name) => name is ModelManifest.FileName or ModelSignature.FileName;

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
