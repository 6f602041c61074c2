namespace EdgeBci.Training.Evaluation;

/// <summary>
/// One train/test division of the trials of a dataset, by trial index (ascending in both lists).
/// Deconstructs as <c>var (train, test) = split;</c>.
/// </summary>
public sealed record DataSplit(IReadOnlyList<int> TrainIndices, IReadOnlyList<int> TestIndices);

/// <summary>
/// Ways to divide trials into training and test sets, by index, so they apply to any dataset type that can list its
/// labels and runs.
/// <para>
/// <see cref="StratifiedKFold"/> estimates how well a method learns from one session; <see cref="Chronological"/>
/// estimates what the user experiences, a model calibrated on earlier runs used on later ones. The second is the
/// honest number for a BCI: EEG drifts within a session (electrode gel dries, attention fades), and a shuffled
/// split hides that drift by training on trials from both sides of every test trial.
/// </para>
/// </summary>
public static class CrossValidation
{
    /// <summary>
    /// Stratified k-fold: every trial is in exactly one test fold, each class is spread over the folds as evenly as
    /// possible (per-fold counts of a class differ by at most one), and fold sizes differ by at most one.
    /// <para>
    /// Each class's trials are shuffled with a SplitMix64 generator seeded by <paramref name="seed"/>, then dealt
    /// round-robin to the folds, the dealing continuing where the previous class stopped so that the remainders of
    /// different classes land in different folds. Classes are taken in ascending label order. The result depends
    /// only on the labels and the seed, on every runtime: SplitMix64 is written out here rather than taken from
    /// <see cref="Random"/>, whose seeded sequence .NET does not promise to keep.
    /// </para>
    /// <para>A class with fewer trials than folds is allowed; some test folds then lack it.</para>
    /// </summary>
    /// <param name="labels">Class of each trial (any integers).</param>
    /// <param name="folds">Number of folds, from 2 to the number of trials.</param>
    /// <param name="seed">Shuffling seed; the same seed always yields the same folds.</param>
    public static IReadOnlyList<DataSplit> StratifiedKFold(IReadOnlyList<int> labels, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (folds > labels.Count)
        {
            throw new ArgumentException($"{folds} folds need at least {folds} trials; there are {labels.Count}.", nameof(folds));
        }

        var trialsByClass = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < labels.Count; i++)
        {
            if (!trialsByClass.TryGetValue(labels[i], out var trials))
            {
                trials = [];
                trialsByClass.Add(labels[i], trials);
            }

            trials.Add(i);
        }

        var foldOfTrial = new int[labels.Count];
        var random = new SplitMix64(seed);
        var next = 0;
        foreach (var trials in trialsByClass.Values)
        {
            // Fisher-Yates.
            for (var i = trials.Count - 1; i > 0; i--)
            {
                var j = random.NextBelow(i + 1);
                (trials[i], trials[j]) = (trials[j], trials[i]);
            }

            foreach (var trial in trials)
            {
                foldOfTrial[trial] = next;
                next = (next + 1) % folds;
            }
        }

        var splits = new DataSplit[folds];
        for (var fold = 0; fold < folds; fold++)
        {
            var train = new List<int>(labels.Count);
            var test = new List<int>((labels.Count / folds) + 1);
            for (var i = 0; i < labels.Count; i++)
            {
                (foldOfTrial[i] == fold ? test : train).Add(i);
            }

            splits[fold] = new DataSplit(train, test);
        }

        return splits;
    }

    /// <summary>
    /// Trains on the trials of <paramref name="trainRuns"/> and tests on those of <paramref name="testRuns"/>;
    /// trials of other runs are left out. Run numbers are taken as recording order, and every test run must come
    /// after every training run: that ordering is what makes the estimate one of future use rather than of
    /// interpolation.
    /// </summary>
    /// <param name="runOfTrial">The run each trial was recorded in.</param>
    /// <exception cref="ArgumentException">Empty or overlapping run lists, a test run not later than every training
    /// run, or a run list that selects no trial.</exception>
    public static DataSplit Chronological(IReadOnlyList<int> runOfTrial, IReadOnlyList<int> trainRuns, IReadOnlyList<int> testRuns)
    {
        ArgumentNullException.ThrowIfNull(runOfTrial);
        ArgumentNullException.ThrowIfNull(trainRuns);
        ArgumentNullException.ThrowIfNull(testRuns);
        if (trainRuns.Count == 0)
        {
            throw new ArgumentException("At least one training run is needed.", nameof(trainRuns));
        }

        if (testRuns.Count == 0)
        {
            throw new ArgumentException("At least one test run is needed.", nameof(testRuns));
        }

        var train = new HashSet<int>(trainRuns);
        var test = new HashSet<int>(testRuns);
        var latestTrain = int.MinValue;
        foreach (var run in train)
        {
            latestTrain = Math.Max(latestTrain, run);
        }

        foreach (var run in test)
        {
            if (run <= latestTrain)
            {
                throw new ArgumentException(
                    $"Test run {run} is not later than training run {latestTrain}; a chronological split tests only on later runs.", nameof(testRuns));
            }
        }

        var trainIndices = new List<int>();
        var testIndices = new List<int>();
        for (var i = 0; i < runOfTrial.Count; i++)
        {
            if (train.Contains(runOfTrial[i]))
            {
                trainIndices.Add(i);
            }
            else if (test.Contains(runOfTrial[i]))
            {
                testIndices.Add(i);
            }
        }

        if (trainIndices.Count == 0)
        {
            throw new ArgumentException($"No trial belongs to the training runs {string.Join(", ", trainRuns)}.", nameof(trainRuns));
        }

        if (testIndices.Count == 0)
        {
            throw new ArgumentException($"No trial belongs to the test runs {string.Join(", ", testRuns)}.", nameof(testRuns));
        }

        return new DataSplit(trainIndices, testIndices);
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and fixed by its published constants.</summary>
    private struct SplitMix64(int seed)
    {
        private ulong _state = unchecked((ulong)seed);

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, <paramref name="bound"/>) by rejection, so no index is favoured.</summary>
        public int NextBelow(int bound)
        {
            var range = (ulong)bound;
            var limit = ulong.MaxValue - (ulong.MaxValue % range);
            ulong value;
            do
            {
                value = Next();
            }
            while (value >= limit);

            return (int)(value % range);
        }
    }
}
