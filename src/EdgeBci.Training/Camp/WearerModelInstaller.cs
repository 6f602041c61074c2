using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using EdgeBci.Training.Gate;

namespace EdgeBci.Training.Camp;

/// <summary>
/// Puts a wearer's model that the gate passed where the firmware loads its model (Decoding:ModelPath). The bundle is
/// verified again and written whole beside the target and moved into place (<see cref="ModelBundle.Write"/>), so the
/// firmware, which polls that folder, sees either the old bundle or the new one; it stages the new one and takes it
/// up only while the supervisor is disarmed. The gate's verdict and the calibration report travel with it. A real board
/// loads only signed models, so there the installed bundle is signed with the trainer's key as it is written.
/// </summary>
public static class WearerModelInstaller
{
    /// <exception cref="InvalidOperationException">The gate refused the model: a refused model is never installed.</exception>
    /// <exception cref="ModelBundleException">The bundle no longer matches its manifest (named file).</exception>
    /// <param name="signer">The trainer's key the installed bundle is signed with; null installs it unsigned (the emulator).</param>
    public static ModelManifest Install(string bundleFolder, GateReport gate, string modelPath, SigningKey? signer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bundleFolder);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!gate.Passed)
        {
            throw new InvalidOperationException($"{bundleFolder} was refused by the acceptance gate; a refused model is kept for the record and never installed.");
        }

        var bundle = ModelBundle.Load(bundleFolder, ModelTrustPolicy.None);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in bundle.Manifest.Files)
        {
            files[file.Name] = File.ReadAllBytes(Path.Combine(bundle.Folder, file.Name));
        }

        foreach (var name in new[] { GateReport.JsonFileName, GateReport.TextFileName, CalibrationReportFiles.JsonFileName, CalibrationReportFiles.PageFileName })
        {
            var path = Path.Combine(bundle.Folder, name);
            if (File.Exists(path))
            {
                files[name] = File.ReadAllBytes(path);
            }
        }

        return ModelBundle.Write(modelPath, bundle.Manifest, files, signer);
    }
}
