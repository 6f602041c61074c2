namespace EdgeBci.Signing;

/// <summary>
/// The public keys a unit trusts: every <c>*.pub.pem</c> in one folder, <c>/etc/edgebci/trust</c> on a unit, installed
/// once at provisioning and never by a bundle. A file that is not a public key is an error, not skipped: a private key
/// or a damaged file in the trust folder is something the engineer must see.
/// </summary>
public sealed class TrustStore
{
    /// <summary>Where a unit keeps its trusted keys.</summary>
    public const string DefaultFolder = "/etc/edgebci/trust";

    /// <summary>
    /// The top-level configuration key (like <c>Board</c>) naming the trust folder, read by both the release check and
    /// the model check, so one setting moves both; unset means <see cref="DefaultFolder"/>.
    /// </summary>
    public const string ConfigurationKey = "TrustFolder";

    private readonly Dictionary<string, TrustedKey> _keys;

    private TrustStore(string folder, Dictionary<string, TrustedKey> keys)
    {
        Folder = folder;
        _keys = keys;
    }

    /// <summary>Full path of the folder the keys were read from.</summary>
    public string Folder { get; }

    public IReadOnlyCollection<TrustedKey> Keys => _keys.Values;

    /// <summary>Reads every <c>*.pub.pem</c> in <paramref name="folder"/>; a missing folder is an empty store.</summary>
    public static TrustStore Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        var keys = new Dictionary<string, TrustedKey>(StringComparer.Ordinal);
        if (Directory.Exists(full))
        {
            var files = Directory.GetFiles(full, "*" + TrustedKey.PublicKeyExtension);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var key = TrustedKey.Load(file);
                keys.TryAdd(key.KeyId, key);
            }
        }

        return new TrustStore(full, keys);
    }

    /// <summary>A store holding exactly the given keys (tests, and a single --trust key file).</summary>
    public static TrustStore Of(string description, params TrustedKey[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var map = new Dictionary<string, TrustedKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            map.TryAdd(key.KeyId, key);
        }

        return new TrustStore(description, map);
    }

    public bool IsEmpty => _keys.Count == 0;

    /// <summary>The trusted key with this id, or null.</summary>
    public TrustedKey? Find(string keyId) => _keys.GetValueOrDefault(keyId);

    /// <summary>Where the keys came from and how many, for messages.</summary>
    public string Describe() => IsEmpty ? $"no trusted keys in {Folder}" : $"{_keys.Count} trusted key(s) in {Folder}";
}
