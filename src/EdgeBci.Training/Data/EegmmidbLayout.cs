using System.Globalization;

namespace EdgeBci.Training.Data;

/// <summary>
/// eegmmidb's folder layout (<c>S001/S001R04.edf</c>): where a subject's run is, and, when it is not there, a message
/// that names what is missing beside what is present, so a wrong <c>--subject</c>, <c>--data</c> or task is
/// fixed from the message alone.
/// </summary>
public static class EegmmidbLayout
{
    /// <summary>The eegmmidb file of one run: <c>{folder}/S001/S001R04.edf</c> for subject 1, run 4.</summary>
    /// <exception cref="ArgumentException">The subject or run number is below 1.</exception>
    public static string RunPath(string folder, int subject, int run)
    {
        ArgumentNullException.ThrowIfNull(folder);
        CheckSubjectNumber(subject);
        if (run < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Run {run} is not valid: eegmmidb runs are numbered from 1 (R01)."), nameof(run));
        }

        var subjectName = SubjectName(subject);
        return Path.Combine(folder, subjectName, string.Create(CultureInfo.InvariantCulture, $"{subjectName}R{run:00}.edf"));
    }

    /// <summary>
    /// The task's recordings of one subject under <paramref name="folder"/>, every one checked to exist. What is missing
    /// is named beside what is there: the subjects present, the subject's runs, or that the folder is a subject's own.
    /// </summary>
    /// <exception cref="ArgumentException">The subject is not numbered from 1, or its folder or one of the task's runs is missing.</exception>
    public static string[] RunPaths(string folder, int subject, TaskDefinition task)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(task);
        CheckSubjectNumber(subject);
        var subjectName = SubjectName(subject);
        var subjectFolder = Path.Combine(folder, subjectName);
        if (!Directory.Exists(subjectFolder))
        {
            if (IsSubjectFolder(folder))
            {
                throw new ArgumentException(
                    $"'{folder}' looks like a subject folder (it holds {Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))}R<run>.edf); give its parent, the folder holding S001, S002, ...");
            }

            var present = SubjectsIn(folder);
            throw new ArgumentException(present.Count == 0
                ? $"Subject {subject}: no folder {subjectName} in '{folder}', and no subject folders (S001, S002, ...) at all there."
                : $"Subject {subject}: no folder {subjectName} in '{folder}'; subjects present: {string.Join(", ", present)}.");
        }

        var paths = new string[task.Runs.Length];
        var missing = new List<int>();
        for (var i = 0; i < paths.Length; i++)
        {
            paths[i] = RunPath(folder, subject, task.Runs[i]);
            if (!File.Exists(paths[i]))
            {
                missing.Add(task.Runs[i]);
            }
        }

        if (missing.Count > 0)
        {
            var runs = RunsIn(subjectFolder, subjectName);
            throw new ArgumentException(
                $"{subjectName} has {(runs.Count == 0 ? "no runs" : $"runs {string.Join(", ", runs)}")} in '{subjectFolder}'; {task.Name} needs {string.Join(", ", task.Runs)} (missing: {string.Join(", ", missing)}).");
        }

        return paths;
    }

    private static void CheckSubjectNumber(int subject)
    {
        if (subject < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Subject {subject} is not valid: eegmmidb subjects are numbered from 1 (S001, S002, ...)."), nameof(subject));
        }
    }

    private static string SubjectName(int subject) => string.Create(CultureInfo.InvariantCulture, $"S{subject:000}");

    /// <summary>S followed by digits only, as eegmmidb names its subject folders.</summary>
    private static bool IsSubjectName(string name) =>
        name.Length > 1 && name[0] == 'S' && name.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool IsSubjectFolder(string folder)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        return IsSubjectName(name) && Directory.Exists(folder) && Directory.EnumerateFiles(folder, $"{name}R*.edf").Any();
    }

    private static List<string> SubjectsIn(string folder)
    {
        var subjects = new List<string>();
        if (Directory.Exists(folder))
        {
            foreach (var directory in Directory.EnumerateDirectories(folder))
            {
                var name = Path.GetFileName(directory);
                if (IsSubjectName(name))
                {
                    subjects.Add(name);
                }
            }
        }

        subjects.Sort(StringComparer.Ordinal);
        return subjects;
    }

    private static List<int> RunsIn(string subjectFolder, string subjectName)
    {
        var runs = new List<int>();
        foreach (var file in Directory.EnumerateFiles(subjectFolder, $"{subjectName}R*.edf"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (int.TryParse(name.AsSpan(subjectName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var run))
            {
                runs.Add(run);
            }
        }

        runs.Sort();
        return runs;
    }
}
