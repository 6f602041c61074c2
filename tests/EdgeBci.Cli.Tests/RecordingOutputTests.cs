using EdgeBci.Recording;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// <c>record</c>, <c>filter</c> and <c>convert</c> write the format the --out name asks for (.bdf BDF+, .edf EDF+), refuse
/// any other name or a --format that contradicts it, and never overwrite a file without --force.
/// </summary>
public class RecordingOutputTests
{
    private static readonly string[] FastEmulator = ["--board", "emulator", "--pacing", "FreeRunning"];
    private string _folder = string.Empty;

    private static string S001R04 => SharedData.Path("eegmmidb/S001/S001R04.edf");

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-output-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Filter_to_an_edf_name_writes_valid_EDF_plus_with_16_bit_samples_and_says_the_step()
    {
        var path = Path.Combine(_folder, "y.edf");

        var (exit, output) = CliRunner.Run(["filter", "--in", S001R04, "--out", path]);

        Assert.That(exit, Is.Zero, output);
        var bytes = File.ReadAllBytes(path);
        var filtered = EdfReader.Read(path);
        var c3 = filtered.FindSignal("C3");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 0, 8), Is.EqualTo("0       "), "EDF version field, not 0xFF BIOSEMI");
            Assert.That(filtered.Header.Format, Is.EqualTo(EdfFormat.Edf));
            Assert.That(filtered.Header.Reserved.Trim(), Is.EqualTo("EDF+C"));
            Assert.That(filtered.Header.Signals.Single(s => s.IsAnnotation).Label.Trim(), Is.EqualTo("EDF Annotations"));
            Assert.That(filtered.Header.Signals.Where(s => !s.IsAnnotation).Select(s => s.DigitalMaximum), Is.All.EqualTo(short.MaxValue));
            Assert.That(filtered.RecordCount, Is.EqualTo(125));
            Assert.That(filtered.Annotations.Select(a => a.Text).Distinct(), Is.EquivalentTo(new[] { "T0", "T1", "T2" }));
            Assert.That(output, Does.Contain("EDF+ stores 16-bit samples").And.Contain("per step"));
            Assert.That(filtered.Header.Signals[c3].Gain, Is.LessThan(0.05), "a range from the filtered data, not the chip's ±187500 µV (5.7 µV per step)");
        }

        // The same chain into BDF+: the EDF+ values agree within half of their own step.
        var bdfPath = Path.Combine(_folder, "y.bdf");
        Assert.That(CliRunner.Run(["filter", "--in", S001R04, "--out", bdfPath]).ExitCode, Is.Zero);
        var bdf = EdfReader.Read(bdfPath);
        Assert.That(filtered.GetPhysical(c3), Is.EqualTo(bdf.GetPhysical(bdf.FindSignal("C3"))).Within((filtered.Header.Signals[c3].Gain / 2) + 1e-3));
    }

    [TestCase("edf", EdfFormat.Edf)]
    [TestCase("bdf", EdfFormat.Bdf)]
    public void Convert_writes_the_format_the_name_asks_for_without_format(string extension, EdfFormat expected)
    {
        var path = Path.Combine(_folder, $"c3c4.{extension}");

        var (exit, output) = CliRunner.Run(["convert", S001R04, "--out", path, "--channels", "C3,C4", "--seconds", "10"]);

        Assert.That(exit, Is.Zero, output);
        var converted = EdfReader.Read(path);
        var source = EdfReader.Read(S001R04);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(converted.Header.Format, Is.EqualTo(expected));
            Assert.That(converted.GetDigital(0).ToArray(), Is.EqualTo(source.GetDigital(source.FindSignal("C3"))[..1600].ToArray()), "EDF source samples copied losslessly");
        }
    }

    [Test]
    public void Convert_of_24_bit_counts_to_edf_requantizes_over_the_data_range()
    {
        var bdf = Path.Combine(_folder, "counts.bdf");
        Assert.That(CliRunner.Run(["filter", "--in", S001R04, "--out", bdf]).ExitCode, Is.Zero);
        var edf = Path.Combine(_folder, "counts.edf");

        var (exit, output) = CliRunner.Run(["convert", bdf, "--out", edf, "--channels", "C3", "--format", "edf"]);

        Assert.That(exit, Is.Zero, output);
        var source = EdfReader.Read(bdf);
        var converted = EdfReader.Read(edf);
        var step = converted.Header.Signals[0].Gain;
        Assert.That(converted.GetPhysical(0), Is.EqualTo(source.GetPhysical(source.FindSignal("C3"))).Within((step / 2) + 1e-9));
    }

    [TestCase("convert", "x.edf", "--format", "bdf", "contradicts the file name")]
    [TestCase("convert", "x.txt", null, null, "'.txt' names no recording format")]
    [TestCase("filter", "x.rec", null, null, "'.rec' names no recording format")]
    [TestCase("record", "x.csv", null, null, "'.csv' names no recording format")]
    public void A_name_that_does_not_say_the_format_or_a_contradicting_format_is_a_clear_error(string command, string name, string? option, string? value, string expected)
    {
        var path = Path.Combine(_folder, name);
        string[] args = command switch
        {
            "convert" => ["convert", S001R04, "--out", path],
            "filter" => ["filter", "--in", S001R04, "--out", path],
            _ => ["record", .. FastEmulator, "--seconds", "1", "--out", path],
        };
        if (option is not null)
        {
            args = [.. args, option, value!];
        }

        var (exit, output) = CliRunner.Run(args);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exit, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain(expected).And.Contain(name));
            Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(File.Exists(path), Is.False);
        }
    }

    [TestCase("convert")]
    [TestCase("filter")]
    [TestCase("record")]
    public void An_existing_out_file_is_refused_without_force_and_replaced_with_it(string command)
    {
        var path = Path.Combine(_folder, "existing.bdf");
        File.WriteAllText(path, "precious");
        string[] args = command switch
        {
            "convert" => ["convert", S001R04, "--out", path, "--channels", "C3", "--seconds", "2"],
            "filter" => ["filter", "--in", S001R04, "--out", path],
            _ => ["record", .. FastEmulator, "--seconds", "1", "--out", path],
        };

        var (refused, output) = CliRunner.Run(args);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("already exists").And.Contain("--force"));
            Assert.That(File.ReadAllText(path), Is.EqualTo("precious"));
        }

        var (forced, forcedOutput) = CliRunner.Run([.. args, "--force"]);
        Assert.That(forced, Is.Zero, forcedOutput);
        Assert.That(EdfReader.Read(path).Header.Format, Is.EqualTo(EdfFormat.Bdf));
    }

    [Test]
    public void Record_to_an_edf_name_writes_16_bit_EDF_plus_and_says_the_step()
    {
        var path = Path.Combine(_folder, "unit.edf");

        var (exit, output) = CliRunner.Run(["record", .. FastEmulator, "--seconds", "2", "--out", path]);

        Assert.That(exit, Is.Zero, output);
        var recording = EdfReader.Read(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(output, Does.Contain("EDF+ (16-bit)").And.Contain("5.72213 µV per step"), "±187500 µV at gain 24 over 65535 steps");
            Assert.That(recording.Header.Format, Is.EqualTo(EdfFormat.Edf));
            Assert.That(recording.Header.DataRecordCount, Is.EqualTo(2));
            Assert.That(recording.GetPhysical(recording.FindSignal("EEG C3")), Has.Length.EqualTo(500));
        }
    }
}
