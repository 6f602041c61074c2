using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Camp;

/// <summary>One cued class: its name (as the task names it), the annotation code written at its cue, and what the wearer sees.</summary>
public sealed record CueClass(string Name, string Code, string Symbol, string Word);

/// <summary>Graz-style trial timing in seconds; the rest between trials is drawn uniformly from [RestMin, RestMax].</summary>
public sealed record TrialTiming(double Fixation = 2, double Cue = 4, double RestMin = 1.5, double RestMax = 3, double BlockBreak = 60);

/// <summary>
/// A calibration session's protocol: the cued classes, how many trials of each, in how many blocks, and the Graz
/// timing. Kept as a hand-edited JSON file (see <see cref="Parse"/>), so a clinic changes the session without a build.
/// </summary>
public sealed record CalibrationProtocol(string Name, IReadOnlyList<CueClass> Classes, int TrialsPerClass, int Blocks, TrialTiming Timing, string RestCode = "T0")
{
    /// <summary>The shipped protocol's file name, in the tool's <c>protocols</c> folder.</summary>
    public const string DefaultFileName = "rest-left-right.json";

    /// <summary>SHA-256 of the file's bytes (lower-case hex), recorded in schedule.json; empty for a protocol built in code.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>The shipped protocol beside the tool: <c>&lt;tool&gt;/protocols/rest-left-right.json</c>.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "protocols", DefaultFileName);

    public int TrialsPerBlockPerClass => TrialsPerClass / Blocks;

    /// <summary>Reads a protocol file; every problem names the file, the key and the value.</summary>
    public static CalibrationProtocol Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"Protocol file {path}: no such file.");
        }

        var bytes = File.ReadAllBytes(path);
        return Parse(Encoding.UTF8.GetString(bytes), path) with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
    }

    /// <summary>
    /// Parses <c>{ "name": "rest-left-right", "classes": [ { "name": "left", "code": "T1", "symbol": "←", "word": "LEFT" }, ... ],
    /// "trialsPerClass": 45, "blocks": 3, "restCode": "T0", "timing": { "fixation": 2, "cue": 4, "restMin": 1.5,
    /// "restMax": 3, "blockBreak": 60 } }</c>. "restCode" and "timing" (or any of its keys) may be left out for the
    /// defaults shown. A class may be "rest" itself (cued rest) if its code differs from "restCode".
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="origin">Where the text came from, for messages.</param>
    public static CalibrationProtocol Parse(string json, string origin = "protocol file")
    {
        ArgumentNullException.ThrowIfNull(json);
        using (var document = HandEditedJson.Parse(json, origin))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{origin}: expected an object with \"name\", \"classes\", \"trialsPerClass\" and \"blocks\".");
            }

            var name = RequiredString(root, "name", origin);
            var restCode = HandEditedJson.TryGet(root, "restCode", out var restElement) ? StringValue(restElement, "restCode", origin) : "T0";
            var classes = ParseClasses(root, origin, restCode);
            var trials = PositiveInteger(root, "trialsPerClass", origin);
            var blocks = PositiveInteger(root, "blocks", origin);
            if (trials % blocks != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{origin}: \"trialsPerClass\" = {trials} does not split evenly into \"blocks\" = {blocks}; each block holds the same trials of every class."));
            }

            var timing = ParseTiming(root, origin);
            return new CalibrationProtocol(name, classes, trials, blocks, timing, restCode);
        }
    }

    /// <summary>The class whose cue writes <paramref name="code"/>, or null.</summary>
    public CueClass? ClassWithCode(string code)
    {
        foreach (var cueClass in Classes)
        {
            if (string.Equals(cueClass.Code, code.Trim(), StringComparison.Ordinal))
            {
                return cueClass;
            }
        }

        return null;
    }

    private static List<CueClass> ParseClasses(JsonElement root, string origin, string restCode)
    {
        if (!HandEditedJson.TryGet(root, "classes", out var element) || element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw new ArgumentException($"{origin}: \"classes\" is missing or not a non-empty array of {{ \"name\", \"code\", \"symbol\", \"word\" }}.");
        }

        var classes = new List<CueClass>();
        var position = 0;
        foreach (var entry in element.EnumerateArray())
        {
            position++;
            var where = string.Create(CultureInfo.InvariantCulture, $"classes[{position}]");
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{origin}: \"{where}\" is {entry.GetRawText()}; expected {{ \"name\", \"code\", \"symbol\", \"word\" }}.");
            }

            var cueClass = new CueClass(
                RequiredString(entry, "name", origin, where),
                RequiredString(entry, "code", origin, where),
                RequiredString(entry, "symbol", origin, where),
                RequiredString(entry, "word", origin, where));
            if (string.Equals(cueClass.Code, restCode, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{origin}: \"{where}.code\" = \"{cueClass.Code}\" is the \"restCode\"; a cued class needs a code of its own.");
            }

            foreach (var earlier in classes)
            {
                if (string.Equals(earlier.Code, cueClass.Code, StringComparison.Ordinal) || string.Equals(earlier.Name, cueClass.Name, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{origin}: \"{where}\" (\"{cueClass.Name}\", \"{cueClass.Code}\") repeats the name or code of class \"{earlier.Name}\".");
                }
            }

            classes.Add(cueClass);
        }

        return classes;
    }

    private static TrialTiming ParseTiming(JsonElement root, string origin)
    {
        var defaults = new TrialTiming();
        if (!HandEditedJson.TryGet(root, "timing", out var element))
        {
            return defaults;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"{origin}: \"timing\" is {element.GetRawText()}; expected an object of seconds.");
        }

        var timing = new TrialTiming(
            Seconds(element, "fixation", defaults.Fixation, 0, 30, origin),
            Seconds(element, "cue", defaults.Cue, 0.5, 30, origin),
            Seconds(element, "restMin", defaults.RestMin, 0, 60, origin),
            Seconds(element, "restMax", defaults.RestMax, 0, 60, origin),
            Seconds(element, "blockBreak", defaults.BlockBreak, 0, 3600, origin));
        if (timing.RestMax < timing.RestMin)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{origin}: \"timing.restMax\" = {timing.RestMax} is below \"timing.restMin\" = {timing.RestMin}."));
        }

        return timing;
    }

    private static double Seconds(JsonElement timing, string key, double fallback, double minimum, double maximum, string origin)
    {
        if (!HandEditedJson.TryGet(timing, key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || seconds < minimum || seconds > maximum)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{origin}: \"timing.{key}\" = {value.GetRawText()} is not a number of seconds from {minimum} to {maximum}."));
        }

        return seconds;
    }

    private static int PositiveInteger(JsonElement element, string key, string origin)
    {
        if (!HandEditedJson.TryGet(element, key, out var value))
        {
            throw new ArgumentException($"{origin}: \"{key}\" is missing.");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number is < 1 or > 1000)
        {
            throw new ArgumentException($"{origin}: \"{key}\" = {value.GetRawText()} is not a whole number from 1 to 1000.");
        }

        return number;
    }

    private static string RequiredString(JsonElement element, string key, string origin, string? parent = null)
    {
        var where = parent is null ? key : $"{parent}.{key}";
        if (!HandEditedJson.TryGet(element, key, out var value))
        {
            throw new ArgumentException($"{origin}: \"{where}\" is missing.");
        }

        return StringValue(value, where, origin);
    }

    private static string StringValue(JsonElement value, string where, string origin) =>
        value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim()
            : throw new ArgumentException($"{origin}: \"{where}\" = {value.GetRawText()} is not a non-empty string.");
}
