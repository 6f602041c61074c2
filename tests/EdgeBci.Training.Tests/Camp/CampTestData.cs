using EdgeBci.Training.Camp;

namespace EdgeBci.Training.Tests.Camp;

/// <summary>Small protocols and the shipped one, for the calibration session's tests.</summary>
internal static class CampTestData
{
    public const string ShortProtocolJson = """
        {
          "name": "short",
          "classes": [
            { "name": "left", "code": "T1", "symbol": "←", "word": "LEFT" },
            { "name": "right", "code": "T2", "symbol": "→", "word": "RIGHT" }
          ],
          "trialsPerClass": 4,
          "blocks": 2,
          "timing": { "fixation": 1, "cue": 3, "restMin": 1.5, "restMax": 3, "blockBreak": 60 }
        }
        """;

    public static CalibrationProtocol ShortProtocol => CalibrationProtocol.Parse(ShortProtocolJson, "short.json");

    /// <summary>firmware/EdgeBci.Firmware/protocols/rest-left-right.json in the repository the tests were built from.</summary>
    public static string ShippedProtocolPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "firmware", "EdgeBci.Firmware", "protocols", CalibrationProtocol.DefaultFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"firmware/EdgeBci.Firmware/protocols/{CalibrationProtocol.DefaultFileName} was not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>A fresh folder under the temp folder, deleted by the caller's <see cref="IDisposable"/>.</summary>
    public static TemporaryFolder Temporary() => new(Directory.CreateTempSubdirectory("edgebci-camp-").FullName);

    public sealed class TemporaryFolder(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
