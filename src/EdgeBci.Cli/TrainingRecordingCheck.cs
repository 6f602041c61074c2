using System.Globalization;
using EdgeBci.Decoding.Bundle;

namespace EdgeBci.Cli;

/// <summary>
/// Holds a command that re-cuts a bundle's training windows (<c>quantize</c>) to exactly the recordings the manifest
/// names: the same names, every one present, every one with the recorded SHA-256. Calibrating on anything else would
/// quietly make the bundle a model of other data while its manifest still names the original wearer.
/// </summary>
internal static class TrainingRecordingCheck
{
    /// <exception cref="ArgumentException">
    /// A recording is not named in the manifest, a named one is missing or not among <paramref name="paths"/>, or its
    /// SHA-256 differs; the message names the file, the manifest's list and what was found.
    /// </exception>
    public static void Require(ModelManifest manifest, string bundleFolder, IReadOnlyList<string> paths)
    {
        var manifestPath = Path.Combine(bundleFolder, ModelManifest.FileName);
        var named = string.Join(", ", manifest.TrainingRecordings.Select(r => r.Name));
        var found = string.Join(", ", paths.Select(Path.GetFileName));
        foreach (var path in paths)
        {
            var name = Path.GetFileName(path);
            if (!manifest.TrainingRecordings.Any(r => string.Equals(r.Name, name, StringComparison.Ordinal)))
            {
                throw new ArgumentException(
                    $"{path}: not a recording this model was trained on; {manifestPath} names {named}, the data given has {found}. Refusing to calibrate on other data; give the --data and --subject the model was trained on.");
            }
        }

        foreach (var recorded in manifest.TrainingRecordings)
        {
            var path = paths.FirstOrDefault(p => string.Equals(Path.GetFileName(p), recorded.Name, StringComparison.Ordinal))
                ?? throw new ArgumentException(
                    $"{recorded.Name}: named in {manifestPath} as a training recording but not among the recordings of the task ({found}).");
            if (!File.Exists(path))
            {
                throw new ArgumentException($"{path}: no such recording; {manifestPath} names it as a training recording ({named}).");
            }

            var actual = ModelBundle.Sha256(path);
            if (!string.Equals(actual, recorded.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"{path}: SHA-256 {actual} differs from the recording the model was trained on ({recorded.Name}, {recorded.Sha256} in {manifestPath}); refusing to calibrate on other data.");
            }
        }
    }

    /// <summary>The eegmmidb subject the manifest's training recordings belong to (S001R04.edf is subject 1).</summary>
    /// <exception cref="ArgumentException">The names are not eegmmidb names of one subject, so --subject must be given.</exception>
    public static int SubjectOf(ModelManifest manifest, string bundleFolder)
    {
        int? subject = null;
        foreach (var recording in manifest.TrainingRecordings)
        {
            var name = recording.Name;
            var run = name.IndexOf('R', StringComparison.Ordinal);
            if (name.Length < 2 || name[0] != 'S' || run < 2
                || !int.TryParse(name.AsSpan(1, run - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                || (subject is { } known && known != number))
            {
                subject = null;
                break;
            }

            subject = number;
        }

        return subject ?? throw new ArgumentException(
            $"{Path.Combine(bundleFolder, ModelManifest.FileName)} names training recordings that are not one eegmmidb subject's ({string.Join(", ", manifest.TrainingRecordings.Select(r => r.Name))}); give --subject.");
    }
}
