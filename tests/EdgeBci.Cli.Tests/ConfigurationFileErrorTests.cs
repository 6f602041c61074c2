using EdgeBci.Acquisition.Configuration;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// A hand-edited configuration file with a typo: one error line naming the file, line and byte, and exit code 2
/// (bad input), never an unhandled exception or the I/O exit code.
/// </summary>
public class ConfigurationFileErrorTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "edgebci-cli-config-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [TestCase("{\n  \"Board\": \"emulator\",\n  \"Ads1299\": {\n    \"SampleRate\": 250\n", 5, "unclosed brace")]
    [TestCase("{\n  \"Board\": \"emulator\",\n  \"Ads1299\": { \"SampleRate\": 25O }\n}\n", 3, "bad token")]
    [TestCase("{\n  \"Board\": \"emulator\"\n  \"Pacing\": 1\n}\n", 3, "missing comma")]
    public void A_json_syntax_error_in_the_config_file_names_file_line_and_byte_and_exits_2(string content, int line, string what)
    {
        var path = Write("unit.json", content);
        var (exit, output) = CliRunner.Run("info", "--config", path);

        // The test console wraps at 200 columns; the tool writes one line.
        var unwrapped = output.Trim().Replace('\n', ' ');
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(EdgeBciCommand.BadInput), $"{what}: {output}");
            Assert.That(unwrapped, Does.StartWith($"error: {path}: JSON syntax error at line {line}, byte "), what);
            Assert.That(output.Split('\n').Count(l => l.StartsWith("error:", StringComparison.Ordinal)), Is.EqualTo(1), "one error");
            Assert.That(output, Does.Not.Contain("   at ").And.Not.Contain("InvalidDataException"));
        });
    }

    [Test]
    public void The_position_is_the_line_and_byte_an_editor_shows()
    {
        var path = Write("unit.json", "{\n  \"Board\": emulator\n}\n");
        var exception = Assert.Throws<ConfigurationFileException>(() => DeviceOptions.BuildConfiguration(new FileInfo(path), new Dictionary<string, string?>()));
        Assert.That(exception!.Message, Does.StartWith($"{path}: JSON syntax error at line 2, byte 12: "));
        Assert.That(exception.Message, Does.Not.Contain("LineNumber"), "the 0-based position System.Text.Json appends is replaced");
    }

    [Test]
    public void A_trailing_comma_is_accepted_as_the_configuration_parser_allows_it()
    {
        var path = Write("unit.json", "{\n  \"Board\": \"emulator\",\n  \"Ads1299\": { \"SampleRate\": 500, },\n}\n");
        var configuration = DeviceOptions.BuildConfiguration(new FileInfo(path), new Dictionary<string, string?>());
        Assert.That(configuration["Ads1299:SampleRate"], Is.EqualTo("500"));
    }

    [Test]
    public void A_json_syntax_error_in_the_tools_own_appsettings_names_it()
    {
        var path = Write("appsettings.json", "{ \"Board\": \"emulator\", }}");
        var exception = Assert.Throws<ConfigurationFileException>(() => DeviceOptions.BuildConfiguration(null, new Dictionary<string, string?>(), _folder));
        Assert.That(exception!.Message, Does.StartWith($"{path}: JSON syntax error at line 1, byte "));
    }

    [Test]
    public void A_config_file_that_is_not_an_object_names_the_file()
    {
        var path = Write("unit.json", "[1, 2]");
        var (exit, output) = CliRunner.Run("info", "--config", path);
        Assert.That(exit, Is.EqualTo(EdgeBciCommand.BadInput), output);
        Assert.That(output, Does.Contain($"error: {path}: cannot be read as configuration: "));
    }

    [Test]
    public void A_malformed_number_in_an_EDGEBCI_variable_names_its_key_and_exits_2()
    {
        Environment.SetEnvironmentVariable("EDGEBCI_Ads1299__SampleRate", "fast");
        try
        {
            var (exit, output) = CliRunner.Run("info", "--board", "emulator");
            Assert.That(exit, Is.EqualTo(EdgeBciCommand.BadInput), output);
            Assert.That(output, Does.Contain("SampleRate").And.Contain("fast"));
            Assert.That(output, Does.Not.Contain("   at "));
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGEBCI_Ads1299__SampleRate", null);
        }
    }
}
