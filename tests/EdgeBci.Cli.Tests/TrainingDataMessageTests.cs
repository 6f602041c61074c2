using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// What the trainer commands say when the data is not what the task needs: the missing subject, run or folder is named
/// beside what is there, never as a raw .NET message. Every case fails before a single recording is read.
/// </summary>
public class TrainingDataMessageTests
{
    private static string Eegmmidb => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S002/S002R04.edf"))!, ".."));

    /// <summary>The command's exit and output with the console's line wrapping undone, so a message reads as one line.</summary>
    private static (int Exit, string Output) Unwrapped(params string[] args)
    {
        var (exit, output) = CliRunner.Run(args);
        return (exit, System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "));
    }

    [Test]
    public void A_subject_without_a_folder_is_named_with_the_subjects_present()
    {
        var (exit, output) = Unwrapped(["evaluate", "--task", "left-vs-right", "--subject", "6", "--data", Eegmmidb]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("no folder S006").And.Contain("subjects present: S001, S002, S003"));
    }

    [TestCase("0")]
    [TestCase("-3")]
    public void A_subject_below_1_is_refused_saying_subjects_are_numbered_from_1(string subject)
    {
        var (exit, output) = Unwrapped(["train", "--task", "left-vs-right", "--subject", subject, "--data", Eegmmidb, "--out", Path.GetTempPath()]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"Subject {subject} is not valid").And.Contain("numbered from 1"));
    }

    [Test]
    public void A_task_whose_runs_the_subject_lacks_names_the_runs_present_and_needed()
    {
        var (exit, output) = Unwrapped(["evaluate", "--task", "hands-vs-feet", "--subject", "2", "--data", Eegmmidb]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("S002 has runs 3, 4, 7, 8, 11, 12").And.Contain("hands-vs-feet needs 6, 10, 14"));
    }

    [Test]
    public void Data_naming_a_subject_folder_says_to_give_its_parent()
    {
        var (exit, output) = Unwrapped(["evaluate", "--task", "left-vs-right", "--subject", "2", "--data", Path.Combine(Eegmmidb, "S002")]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("looks like a subject folder").And.Contain("give its parent"));
    }

    [Test]
    public void Without_data_the_dataset_beside_the_repository_is_read_wherever_the_command_starts()
    {
        // The tests run from bin/Release/<tfm>: "../shared/data/eegmmidb" relative to that is not the dataset.
        Assert.That(DataFolder.Resolve(null), Is.EqualTo(Eegmmidb));

        var (exit, output) = Unwrapped(["evaluate", "--task", "left-vs-right", "--subject", "6"]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"in '{Eegmmidb}'"), "the default is the repository's dataset folder");
    }

    [Test]
    public void Outside_a_repository_there_is_no_default_data_folder()
    {
        using var scratch = new ScratchFolder("no-repository");

        Assert.That(DataFolder.FindRepository(scratch.Path), Is.Null);
        Assert.That(DataFolder.FindRepository(Path.Combine(Eegmmidb, "S002")), Is.Null, "the dataset lives beside the repository, not in it");
    }
}
