using System.Globalization;
using System.Text;
using EdgeBci.Recording;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>--source-rate and --source-channel-count on the commands that read recordings.</summary>
public class RecordingInputOptionsTests
{
    private const int Samples = 500;

    private static double Microvolts(int channel, int sample) => ((channel + 1) * 40.5) + (sample % 25 * 1.25) - 100;

    /// <summary>A Cyton recording as BrainFlow's write_file writes it: 24 tab-separated board rows per line, EEG in rows 1-8.</summary>
    private static string WriteBrainFlowCyton(string folder)
    {
        var text = new StringBuilder();
        for (var i = 0; i < Samples; i++)
        {
            for (var row = 0; row < 24; row++)
            {
                var value = row == 0 ? i % 256 : row <= 8 ? Microvolts(row - 1, i) : 0.0;
                text.Append(value.ToString("F6", CultureInfo.InvariantCulture)).Append(row == 23 ? '\n' : '\t');
            }
        }

        var path = Path.Combine(folder, "brainflow-cyton.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Test]
    public void Convert_reads_a_BrainFlow_CSV_given_its_rate_and_channel_count()
    {
        using var folder = new ScratchFolder("cli-brainflow");
        var input = WriteBrainFlowCyton(folder.Path);
        var output = Path.Combine(folder.Path, "out.bdf");

        var (exit, text) = CliRunner.Run(["convert", input, "--out", output, "--channels", "C3=EXG Channel 0,C4=EXG Channel 7", "--source-rate", "250", "--source-channel-count", "8"]);

        Assert.That(exit, Is.Zero, text);
        var converted = RecordingLoader.Load(output);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(converted.SampleRate, Is.EqualTo(250.0));
            Assert.That(converted.ChannelLabels, Is.EqualTo(new[] { "C3", "C4" }));
            Assert.That(converted.Microvolts[1][..Samples], Is.EqualTo(Enumerable.Range(0, Samples).Select(i => Microvolts(7, i))).Within(0.03), "one ADS1299 count at gain 24");
        }
    }

    [Test]
    public void Convert_without_the_options_names_the_file_and_the_option_to_give()
    {
        using var folder = new ScratchFolder("cli-brainflow");
        var input = WriteBrainFlowCyton(folder.Path);

        var (exit, text) = CliRunner.Run(["convert", input, "--out", Path.Combine(folder.Path, "out.bdf"), "--channels", "C3=EXG Channel 0", "--source-rate", "250"]);

        Assert.That(exit, Is.Not.Zero, text);
        Assert.That(text, Does.Contain("brainflow-cyton.csv").And.Contain("--source-channel-count"));
    }

    [Test]
    public void Filter_refuses_a_rate_that_disagrees_with_the_files_header()
    {
        using var folder = new ScratchFolder("cli-openbci");
        var input = Path.Combine(folder.Path, "v3.txt");
        File.WriteAllText(input, "%OpenBCI Raw EEG Data\n%Number of channels = 1\n%Sample Rate = 250.0 Hz\n0, 1.00, 0.0, 0.0, 0.0\n1, 2.00, 0.0, 0.0, 0.0\n");

        var (exit, text) = CliRunner.Run(["filter", "--in", input, "--out", Path.Combine(folder.Path, "out.bdf"), "--channels", "C3=EXG Channel 0", "--source-rate", "200"]);

        Assert.That(exit, Is.Not.Zero, text);
        Assert.That(text, Does.Contain("v3.txt").And.Contain("line 3").And.Contain("--source-rate = 200"));
    }

    [Test]
    public void Info_replays_a_BrainFlow_CSV_on_the_emulator_given_the_options()
    {
        using var folder = new ScratchFolder("cli-brainflow");
        var input = WriteBrainFlowCyton(folder.Path);
        var config = Path.Combine(folder.Path, "config.json");
        File.WriteAllText(config, """{ "Emulator": { "SourceChannels": [ "EXG Channel 0", "EXG Channel 1", "EXG Channel 2", "EXG Channel 3", "EXG Channel 4", "EXG Channel 5", "EXG Channel 6", "EXG Channel 7" ] } }""");
        string[] device = ["info", "--board", "emulator", "--pacing", "FreeRunning", "--config", config, "--source", input];

        var (exit, text) = CliRunner.Run([.. device, "--source-rate", "250", "--source-channel-count", "8"]);
        var (refusedExit, refused) = CliRunner.Run(device);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exit, Is.Zero, text);
            Assert.That(refusedExit, Is.Not.Zero, refused);
            Assert.That(refused, Does.Contain("brainflow-cyton.csv").And.Contain("Emulator:SourceChannelCount"));
        }
    }
}
