using EdgeBci.Signal.Chain;
using EdgeBci.Training.Alignment;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Transfer;

/// <summary>One wearer's share of a pooled training set.</summary>
/// <param name="Subject">The eegmmidb subject number.</param>
/// <param name="Task">Which task's runs these trials came from (the main task or the auxiliary one).</param>
/// <param name="Trials">Trials cut.</param>
/// <param name="Alignment">The alignment computed from these trials alone and applied to them.</param>
public sealed record PooledPart(int Subject, string Task, int Trials, EuclideanAlignment Alignment);

/// <summary>A pooled, per-wearer aligned training set and where it came from.</summary>
/// <param name="Dataset">Every part's aligned trials, in subject then task order.</param>
/// <param name="Parts">Per subject and task, how many trials and which alignment.</param>
/// <param name="RecordingPaths">Every recording read, for the manifest.</param>
public sealed record PooledSet(EpochDataset Dataset, IReadOnlyList<PooledPart> Parts, IReadOnlyList<string> RecordingPaths);

/// <summary>
/// Builds a cross-subject training set: each subject's runs of the task (and, optionally, of an auxiliary task with
/// the same classes, such as the executed-movement runs) cut as usual, aligned with the Euclidean alignment computed
/// from that subject's trials of that task only (labels unused: each run set is treated as a session of its own,
/// since executed movement shifts the covariance), then pooled. A base model trained on it expects aligned input, so
/// its bundle has no alignment of its own: each wearer brings theirs.
/// </summary>
public static class PooledDataset
{
    /// <exception cref="ArgumentException">No subjects, a subject given twice, tasks with different classes, a missing run (named), or a rank-deficient subject.</exception>
    public static PooledSet Build(string folder, IReadOnlyList<int> subjects, TaskDefinition task, TaskDefinition? auxiliaryTask,
        IReadOnlyList<string> montage, ReplaySettings device, SignalOptions signal, double cropMarginSeconds = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(task);
        if (subjects.Count == 0)
        {
            throw new ArgumentException("A pooled base model needs at least one subject.", nameof(subjects));
        }

        if (subjects.Distinct().Count() != subjects.Count)
        {
            throw new ArgumentException($"Subjects [{string.Join(", ", subjects)}] name a subject twice; each wearer counts once.", nameof(subjects));
        }

        if (auxiliaryTask is not null && !auxiliaryTask.ClassNames.SequenceEqual(task.ClassNames, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The auxiliary task '{auxiliaryTask.Name}' has classes [{string.Join(", ", auxiliaryTask.ClassNames)}], the task '{task.Name}' [{string.Join(", ", task.ClassNames)}]; they must be the same.",
                nameof(auxiliaryTask));
        }

        var tasks = auxiliaryTask is null ? new[] { task } : [task, auxiliaryTask];

        // Every recording is looked for before any is replayed, so a typo in the subjects fails at once, not minutes in.
        var runPathsOf = new Dictionary<(int, string), string[]>();
        foreach (var subject in subjects)
        {
            foreach (var part in tasks)
            {
                var runPaths = new string[part.Runs.Length];
                for (var r = 0; r < runPaths.Length; r++)
                {
                    runPaths[r] = DatasetBuilder.RunPath(folder, subject, part.Runs[r]);
                    if (!File.Exists(runPaths[r]))
                    {
                        throw new ArgumentException(
                            $"Subject {subject}, task '{part.Name}': run {part.Runs[r]} is missing ({runPaths[r]} does not exist).", nameof(subjects));
                    }
                }

                runPathsOf[(subject, part.Name)] = runPaths;
            }
        }

        var parts = new List<PooledPart>();
        var aligned = new List<EpochDataset>();
        var paths = new List<string>();
        foreach (var subject in subjects)
        {
            foreach (var part in tasks)
            {
                var runPaths = runPathsOf[(subject, part.Name)];
                var dataset = DatasetBuilder.Build(runPaths, part, montage, device, signal, cropMarginSeconds);
                EuclideanAlignment alignment;
                try
                {
                    alignment = EuclideanAlignment.Compute(dataset);
                }
                catch (ArgumentException exception)
                {
                    throw new ArgumentException($"Subject {subject}, task '{part.Name}': {exception.Message}", nameof(subjects), exception);
                }

                aligned.Add(alignment.Apply(dataset));
                parts.Add(new PooledPart(subject, part.Name, dataset.Count, alignment));
                paths.AddRange(runPaths);
            }
        }

        return new PooledSet(EpochDataset.Concatenate(aligned), parts, paths);
    }
}
