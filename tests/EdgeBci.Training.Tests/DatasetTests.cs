using EdgeBci.Acquisition.Configuration;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Tests;

public class DatasetTests
{
    private static readonly int[] LeftRightRuns = [4, 8, 12];

    private EpochDataset _leftRight = null!;

    private static string[] LeftRightPaths()
    {
        var paths = new string[LeftRightRuns.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            paths[i] = SharedData.Path($"eegmmidb/S001/S001R{LeftRightRuns[i]:00}.edf");
        }

        return paths;
    }

    private static EpochDataset BuildLeftRight() =>
        DatasetBuilder.Build(LeftRightPaths(), TaskDefinition.LeftVersusRight, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());

    [OneTimeSetUp]
    public void BuildOnce() => _leftRight = BuildLeftRight();

    [Test]
    public void The_built_in_tasks_are_the_eegmmidb_imagery_runs()
    {
        var handsFeet = TaskDefinition.HandsVersusFeet;
        Assert.That(handsFeet.Runs, Is.EqualTo(new[] { 6, 10, 14 }));
        Assert.That(handsFeet.ClassByAnnotation["T1"], Is.EqualTo("hands"));
        Assert.That(handsFeet.ClassByAnnotation["T2"], Is.EqualTo("feet"));
        Assert.That(handsFeet.ClassNames, Is.EqualTo(new[] { "feet", "hands" }), "sorted ordinally, so label numbers never move");
        Assert.That(handsFeet.WindowStartSeconds, Is.EqualTo(0.5));
        Assert.That(handsFeet.WindowEndSeconds, Is.EqualTo(2.5));

        var leftRight = TaskDefinition.LeftVersusRight;
        Assert.That(leftRight.Runs, Is.EqualTo(new[] { 4, 8, 12 }));
        Assert.That(leftRight.ClassNames, Is.EqualTo(new[] { "left", "right" }));
        Assert.That(TaskDefinition.FindBuiltIn("Left-vs-Right"), Is.SameAs(leftRight));
        Assert.That(() => TaskDefinition.FindBuiltIn("tongue"), Throws.ArgumentException.With.Message.Contains("hands-vs-feet"));
    }

    [Test]
    public void A_task_file_is_parsed_with_the_default_window_when_none_is_given()
    {
        var tasks = TaskDefinition.Parse("""
            {
              "tasks": [
                { "name": "hands-vs-feet", "runs": [6, 10, 14], "classes": { "T1": "hands", "T2": "feet" }, "window": [0.5, 2.5] },
                { "name": "rest-vs-move", "runs": [4], "classes": { "T0": "rest", "T1": "move", "T2": "move" } },
                { "name": "late", "runs": [8, 12], "classes": { "T1": "left", "T2": "right" }, "window": [1, 4] }
              ]
            }
            """);

        Assert.That(tasks, Has.Count.EqualTo(3));
        Assert.That(tasks[0].Name, Is.EqualTo("hands-vs-feet"));
        Assert.That(tasks[0].Runs, Is.EqualTo(new[] { 6, 10, 14 }));
        Assert.That(tasks[0].ClassNames, Is.EqualTo(TaskDefinition.HandsVersusFeet.ClassNames));
        Assert.That(tasks[1].ClassNames, Is.EqualTo(new[] { "move", "rest" }), "two annotations may share a class");
        Assert.That(tasks[1].WindowStartSeconds, Is.EqualTo(0.5));
        Assert.That(tasks[1].WindowEndSeconds, Is.EqualTo(2.5));
        Assert.That(tasks[2].WindowStartSeconds, Is.EqualTo(1));
        Assert.That(tasks[2].WindowEndSeconds, Is.EqualTo(4));
        Assert.That(TaskDefinition.Find(tasks, "late"), Is.SameAs(tasks[2]));
    }

    [TestCase("""{ "tasks": [ { "name": "a", "classes": { "T1": "x", "T2": "y" } } ] }""", "'a'", "\"runs\"")]
    [TestCase("""{ "tasks": [ { "name": "b", "runs": [4, 0], "classes": { "T1": "x", "T2": "y" } } ] }""", "'b'", "\"runs\"")]
    [TestCase("""{ "tasks": [ { "name": "c", "runs": [4], "classes": { } } ] }""", "'c'", "\"classes\"")]
    [TestCase("""{ "tasks": [ { "name": "d", "runs": [4], "classes": { "T1": "x", "T2": "x" } } ] }""", "'d'", "\"classes\"")]
    [TestCase("""{ "tasks": [ { "name": "e", "runs": [4], "classes": { "T1": 3, "T2": "y" } } ] }""", "'e'", "\"classes\"")]
    [TestCase("""{ "tasks": [ { "name": "f", "runs": [4], "classes": { "T1": "x", "T2": "y" }, "window": [2.5, 0.5] } ] }""", "'f'", "\"window\"")]
    [TestCase("""{ "tasks": [ { "name": "g", "runs": [4], "classes": { "T1": "x", "T2": "y" }, "window": [1] } ] }""", "'g'", "\"window\"")]
    [TestCase("""{ "tasks": [ { "runs": [4], "classes": { "T1": "x", "T2": "y" } } ] }""", "task 1", "\"name\"")]
    [TestCase("""{ "tasks": [ { "name": "h", "runs": [4], "classes": { "T1": "x", "T2": "y" } }, { "name": "H", "runs": [8], "classes": { "T1": "x", "T2": "y" } } ] }""", "'H'", "twice")]
    [TestCase("""{ "tasks": [ ] }""", "tasks.json", "empty")]
    [TestCase("""{ "tasks": [ { "name": "i", """, "tasks.json", "JSON")]
    public void A_bad_task_file_names_the_task_and_the_field(string json, string task, string field)
    {
        Assert.That(() => TaskDefinition.Parse(json, "tasks.json"),
            Throws.ArgumentException.With.Message.Contains(task).And.Message.Contains(field).And.Message.Contains("tasks.json"));
    }

    [Test]
    public void Left_versus_right_from_three_runs_gives_labelled_two_second_windows_of_the_montage()
    {
        var dataset = _leftRight;
        Assert.That(dataset.ChannelCount, Is.EqualTo(8));
        Assert.That(dataset.ChannelNames, Is.EqualTo(new[] { "FC3", "FC4", "C3", "CZ", "C4", "CP3", "CP4", "PZ" }));
        Assert.That(dataset.SampleRate, Is.EqualTo(250));
        Assert.That(dataset.SamplesPerWindow, Is.EqualTo(500), "2 s at 250 Hz");
        Assert.That(dataset.ClassNames, Is.EqualTo(new[] { "left", "right" }));
        for (var i = 0; i < dataset.Count; i++)
        {
            Assert.That(dataset.Windows[i], Has.Length.EqualTo(8 * 500));
        }

        var perClass = dataset.CountPerClass();
        TestContext.Out.WriteLine($"left-vs-right S001 runs 4, 8, 12: {dataset.Count} trials, left {perClass[0]}, right {perClass[1]}; "
            + string.Join(", ", LeftRightRuns.Select(run => $"R{run:00}: {dataset.RunNumbers.Count(r => r == run)}")));
        Assert.That(perClass[0], Is.InRange(20, 25), "left trials");
        Assert.That(perClass[1], Is.InRange(20, 25), "right trials");
        Assert.That(dataset.RunNumbers.Distinct(), Is.EqualTo(LeftRightRuns), "every run contributes, in the order given");

        // Band-passed 8-30 Hz: windows are zero-mean EEG of tens of microvolts, not raw offsets or silence.
        var c3 = dataset.Channel(0, 2);
        double sum = 0, squares = 0;
        foreach (var value in c3)
        {
            sum += value;
            squares += value * value;
        }

        Assert.That(Math.Abs(sum / c3.Length), Is.LessThan(5));
        Assert.That(Math.Sqrt(squares / c3.Length), Is.InRange(0.5, 200));
    }

    [Test]
    public void Every_trial_carries_the_label_run_and_onset_of_its_annotation()
    {
        var dataset = _leftRight;
        var trial = 0;
        foreach (var run in LeftRightRuns)
        {
            var recording = RecordingLoader.Load(SharedData.Path($"eegmmidb/S001/S001R{run:00}.edf"));
            var runSeconds = recording.SampleCount / recording.SampleRate;
            var cues = recording.Annotations.Where(a => a.Text is "T1" or "T2").ToList();
            if (run == 4)
            {
                Assert.That(recording.Annotations, Has.Count.EqualTo(30));
                Assert.That(recording.Annotations.Count(a => a.Text == "T0"), Is.EqualTo(15));
            }

            foreach (var cue in cues)
            {
                if (cue.Onset + 2.5 > runSeconds)
                {
                    continue; // cut off by the end of the run, as the builder must skip it
                }

                Assert.That(trial, Is.LessThan(dataset.Count), $"run {run}: the cue at {cue.Onset} s has no trial");
                Assert.That(dataset.RunNumbers[trial], Is.EqualTo(run));
                Assert.That(dataset.OnsetSeconds[trial], Is.EqualTo(cue.Onset));
                Assert.That(dataset.ClassNames[dataset.Labels[trial]], Is.EqualTo(cue.Text == "T1" ? "left" : "right"));
                trial++;
            }
        }

        Assert.That(trial, Is.EqualTo(dataset.Count), "no trial without a T1/T2 annotation");
    }

    [Test]
    public void Hands_versus_feet_is_built_from_a_subjects_folder_by_run_number()
    {
        var folder = Path.GetDirectoryName(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R06.edf")))!;
        Assert.That(DatasetBuilder.RunPath(folder, 1, 6), Is.EqualTo(SharedData.Path("eegmmidb/S001/S001R06.edf")));

        var dataset = DatasetBuilder.Build(folder, 1, TaskDefinition.HandsVersusFeet, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());
        var perClass = dataset.CountPerClass();
        TestContext.Out.WriteLine($"hands-vs-feet S001 runs 6, 10, 14: {dataset.Count} trials, feet {perClass[0]}, hands {perClass[1]}");
        Assert.That(dataset.ClassNames, Is.EqualTo(new[] { "feet", "hands" }));
        Assert.That(dataset.RunNumbers.Distinct(), Is.EqualTo(new[] { 6, 10, 14 }));
        Assert.That(perClass[0], Is.InRange(20, 25), "feet trials");
        Assert.That(perClass[1], Is.InRange(20, 25), "hands trials");
    }

    [Test]
    public void The_same_build_twice_is_bit_identical()
    {
        var again = BuildLeftRight();
        Assert.That(again.Count, Is.EqualTo(_leftRight.Count));
        Assert.That(again.Labels, Is.EqualTo(_leftRight.Labels));
        Assert.That(again.RunNumbers, Is.EqualTo(_leftRight.RunNumbers));
        Assert.That(again.OnsetSeconds, Is.EqualTo(_leftRight.OnsetSeconds));
        for (var i = 0; i < again.Count; i++)
        {
            var first = _leftRight.Windows[i];
            var second = again.Windows[i];
            for (var j = 0; j < first.Length; j++)
            {
                if (BitConverter.SingleToInt32Bits(first[j]) != BitConverter.SingleToInt32Bits(second[j]))
                {
                    Assert.Fail($"trial {i}, value {j}: {first[j]} then {second[j]}");
                }
            }
        }
    }

    [Test]
    public void A_subset_keeps_each_trials_window_label_run_and_onset()
    {
        var subset = _leftRight.Subset([3, 0, 3]);
        Assert.That(subset.Count, Is.EqualTo(3));
        Assert.That(subset.Windows[0], Is.SameAs(_leftRight.Windows[3]));
        Assert.That(subset.Labels, Is.EqualTo(new[] { _leftRight.Labels[3], _leftRight.Labels[0], _leftRight.Labels[3] }));
        Assert.That(subset.RunNumbers[1], Is.EqualTo(_leftRight.RunNumbers[0]));
        Assert.That(subset.OnsetSeconds[2], Is.EqualTo(_leftRight.OnsetSeconds[3]));
        Assert.That(subset.ClassNames, Is.EqualTo(_leftRight.ClassNames));
        Assert.That(() => _leftRight.Subset([_leftRight.Count]), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Crop_contexts_hold_the_signal_around_each_window_and_shift_it_sample_by_sample()
    {
        var cropped = DatasetBuilder.Build(LeftRightPaths(), TaskDefinition.LeftVersusRight, Ads1299Options.DefaultMontage, ReplaySettings.Default,
            new SignalOptions(), cropMarginSeconds: 0.2);
        Assert.That(cropped.CropMargin, Is.EqualTo(50));
        Assert.That(cropped.Windows, Is.EqualTo(_leftRight.Windows), "crops change nothing about the windows themselves");

        var samples = cropped.SamplesPerWindow;
        var shifted = new float[cropped.ChannelCount * samples];
        Assert.That(cropped.CopyShiftedWindow(5, 0, shifted), Is.EqualTo(0));
        Assert.That(shifted, Is.EqualTo(cropped.Windows[5]));

        // Shifting by +k samples starts k samples later: the window's sample k becomes the first.
        Assert.That(cropped.CopyShiftedWindow(5, 7, shifted), Is.EqualTo(7));
        for (var c = 0; c < cropped.ChannelCount; c++)
        {
            Assert.That(shifted.AsSpan(c * samples, samples - 7).ToArray(), Is.EqualTo(cropped.Windows[5].AsSpan((c * samples) + 7, samples - 7).ToArray()), $"channel {c}");
        }

        Assert.That(cropped.Subset([5]).CopyShiftedWindow(0, 7, new float[shifted.Length]), Is.EqualTo(7), "a subset keeps the contexts");
        Assert.That(() => cropped.CopyShiftedWindow(5, 51, shifted), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => _leftRight.CopyShiftedWindow(5, 1, shifted), Throws.InstanceOf<ArgumentOutOfRangeException>(), "no margin, no shift");
    }

    [Test]
    public void A_montage_channel_missing_from_the_recording_is_named()
    {
        string[] montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Xx9"];
        Assert.That(
            () => DatasetBuilder.Build([SharedData.Path("eegmmidb/S001/S001R04.edf")], TaskDefinition.LeftVersusRight, montage, ReplaySettings.Default, new SignalOptions()),
            Throws.ArgumentException.With.Message.Contains("Xx9"));
    }

    [Test]
    public void A_run_of_another_task_is_refused_because_its_annotations_mean_something_else()
    {
        Assert.That(
            () => DatasetBuilder.Build([SharedData.Path("eegmmidb/S001/S001R06.edf")], TaskDefinition.LeftVersusRight, Ads1299Options.DefaultMontage,
                ReplaySettings.Default, new SignalOptions()),
            Throws.ArgumentException.With.Message.Contains("run 6").And.Message.Contains("left-vs-right"));
    }

    [Test]
    public void A_gain_the_chip_does_not_have_is_named_by_its_key()
    {
        Assert.That(
            () => DatasetBuilder.Build(LeftRightPaths(), TaskDefinition.LeftVersusRight, Ads1299Options.DefaultMontage, new ReplaySettings(250, 3), new SignalOptions()),
            Throws.ArgumentException.With.Message.Contains("Ads1299:Gain = 3"));
    }
}
