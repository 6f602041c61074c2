using EdgeBci.Acquisition.Boards;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>
/// Which model signatures the decoder accepts on this board: a real board drives only a model signed by a key in the
/// unit's trust folder; the emulator also runs the repository's unsigned bundles (the trainer's key never enters the
/// repository), with a warning. A bundle that is signed but by a foreign key, or changed after signing, is refused on
/// both.
/// </summary>
internal static class ModelTrustChoice
{
    /// <summary>The trust folder: the top-level <c>TrustFolder</c> key (shared with the release check) or /etc/edgebci/trust.</summary>
    public static string TrustFolder(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[TrustStore.ConfigurationKey];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? TrustStore.DefaultFolder : configured, contentRoot);
    }

    /// <summary>
    /// The policy for <paramref name="board"/>, with the keys in <paramref name="trustFolder"/> read now: every load reads
    /// the folder again, so a key provisioned while the unit runs counts for the next model the watcher sees.
    /// </summary>
    /// <exception cref="ModelBundleException">
    /// A file in the trust folder is not a public key (named): no model can be trusted, so none loads, as with a failed
    /// checksum.
    /// </exception>
    public static ModelTrustPolicy For(string board, string trustFolder)
    {
        TrustStore trust;
        try
        {
            trust = TrustStore.Load(trustFolder);
        }
        catch (SigningException exception)
        {
            throw new ModelBundleException($"the model's signature cannot be checked: {exception.Message}", exception);
        }

        return string.Equals(board, BoardProfile.EmulatorName, StringComparison.Ordinal)
            ? ModelTrustPolicy.WarnIfUnsigned(trust)
            : ModelTrustPolicy.Required(trust);
    }
}
