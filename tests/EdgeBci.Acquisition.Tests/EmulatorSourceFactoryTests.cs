using System.Globalization;
using System.Text;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation.Sources;

namespace EdgeBci.Acquisition.Tests;

/// <summary>The emulator replays recordings that do not state their rate or channel count once the configuration gives them.</summary>
public class EmulatorSourceFactoryTests
{
    private const int CytonChannels = 8;
    private const int CytonRows = 24;
    private const int Samples = 500;

    private static readonly Ads1299Options TwoChannels = new() { Channels = ["C3", "C4"] };

    /// <summary>Distinct, exactly representable microvolts per channel and sample.</summary>
    private static double Microvolts(int channel, int sample) => ((channel + 1) * 250.5) + (sample % 50 * 2.25) - 600;

    /// <summary>A Cyton recording as BrainFlow's write_file writes it: tab-separated board rows, no header.</summary>
    private static string BrainFlowCyton()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Samples; i++)
        {
            for (var row = 0; row < CytonRows; row++)
            {
                var value = row == 0 ? i % 256 : row <= CytonChannels ? Microvolts(row - 1, i) : 0.0;
                text.Append(value.ToString("F6", CultureInfo.InvariantCulture)).Append(row == CytonRows - 1 ? '\n' : '\t');
            }
        }

        return text.ToString();
    }

    [Test]
    public void A_BrainFlow_CSV_replays_its_named_channels_given_rate_and_channel_count()
    {
        using var folder = new TempFolder();
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "brainflow.csv"), BrainFlowCyton());
        var emulator = new EmulatorOptions
        {
            Source = "brainflow.csv",
            SourceSampleRate = 250,
            SourceChannelCount = CytonChannels,
            SourceChannels = ["EXG Channel 2", "EXG Channel 5"],
        };
        Assert.That(emulator.Validate(2), Is.Empty);

        var source = EmulatorSourceFactory.Create(TwoChannels, emulator, folder.Path);

        var microvolts = new double[2];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(source.ChannelCount, Is.EqualTo(2));
            Assert.That(source.Description, Does.Contain("brainflow.csv").And.Contain("250 Hz"));
            for (var i = 20; i < 120; i++)
            {
                source.Generate(i, 250, microvolts);
                Assert.That(microvolts[0], Is.EqualTo(Microvolts(2, i)).Within(1e-3), $"EXG Channel 2, sample {i}");
                Assert.That(microvolts[1], Is.EqualTo(Microvolts(5, i)).Within(1e-3), $"EXG Channel 5, sample {i}");
            }
        }
    }

    [Test]
    public void A_BrainFlow_CSV_without_the_keys_is_refused_naming_the_file_and_the_key()
    {
        using var folder = new TempFolder();
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "brainflow.csv"), BrainFlowCyton());
        var noCount = new EmulatorOptions { Source = "brainflow.csv", SourceSampleRate = 250, SourceChannels = ["EXG Channel 0", "EXG Channel 1"] };
        var noRate = new EmulatorOptions { Source = "brainflow.csv", SourceChannelCount = 8, SourceChannels = ["EXG Channel 0", "EXG Channel 1"] };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => EmulatorSourceFactory.Create(TwoChannels, noCount, folder.Path),
                Throws.ArgumentException.With.Message.Contain("brainflow.csv").And.Message.Contain("Emulator:SourceChannelCount"));
            Assert.That(() => EmulatorSourceFactory.Create(TwoChannels, noRate, folder.Path),
                Throws.ArgumentException.With.Message.Contain("brainflow.csv").And.Message.Contain("Emulator:SourceSampleRate"));
        }
    }

    [Test]
    public void A_source_rate_that_disagrees_with_the_files_header_is_refused_naming_the_key()
    {
        using var folder = new TempFolder();
        var header = "%OpenBCI Raw EEG Data\n%Number of channels = 2\n%Sample Rate = 250.0 Hz\n%First Column = SampleIndex\n";
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "v3.txt"), header + "0, 1.00, 2.00, 0.000, 0.000, 0.000\n1, 3.00, 4.00, 0.000, 0.000, 0.000\n");
        var emulator = new EmulatorOptions { Source = "v3.txt", SourceSampleRate = 200, SourceChannels = ["EXG Channel 0", "EXG Channel 1"] };

        Assert.That(() => EmulatorSourceFactory.Create(TwoChannels, emulator, folder.Path),
            Throws.ArgumentException.With.Message.Contain("v3.txt").And.Message.Contain("line 3").And.Message.Contain("Emulator:SourceSampleRate = 200"));
    }

    [TestCase(0.0, null, "Emulator:SourceSampleRate = 0")]
    [TestCase(double.NaN, null, "Emulator:SourceSampleRate = NaN")]
    [TestCase(null, 0, "Emulator:SourceChannelCount = 0")]
    [TestCase(null, 257, "Emulator:SourceChannelCount = 257")]
    public void Out_of_range_source_keys_fail_validation_naming_the_key(double? rate, int? count, string expected)
    {
        var emulator = new EmulatorOptions { SourceSampleRate = rate, SourceChannelCount = count };

        Assert.That(emulator.Validate(8), Has.One.Contains(expected));
    }

    /// <summary>A folder of its own per test, deleted afterwards.</summary>
    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("edgebci-emulator-source-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
