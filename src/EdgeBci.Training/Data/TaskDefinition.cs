using System.Globalization;
using System.Text.Json;

namespace EdgeBci.Training.Data;

/// <summary>
/// What a decoder is trained to tell apart: which runs of a recording session hold the task, which event annotation
/// means which class, and which part of each cue is the trial. Kept as data (and loadable from a small JSON file) so a
/// new paradigm needs no code change, and so the same definition cuts training data and labels evaluation.
/// </summary>
/// <param name="Name">A short identifier such as "hands-vs-feet"; used in messages and reports.</param>
/// <param name="Runs">The session's run numbers that hold this task (eegmmidb numbers runs 1..14).</param>
/// <param name="ClassByAnnotation">Annotation text (T0, T1, T2) to class name; annotations not listed are not trials.</param>
/// <param name="WindowStartSeconds">Start of the trial window relative to the cue's onset.</param>
/// <param name="WindowEndSeconds">End (exclusive) of the trial window relative to the cue's onset.</param>
public sealed record TaskDefinition(
    string Name,
    int[] Runs,
    IReadOnlyDictionary<string, string> ClassByAnnotation,
    double WindowStartSeconds = 0.5,
    double WindowEndSeconds = 2.5)
{
    /// <summary>
    /// Imagined both fists (T1) against imagined both feet (T2), eegmmidb runs 6, 10 and 14. The window skips the first
    /// half second, where the visual cue's evoked response dominates, and stops before the 4.1 s cue ends.
    /// </summary>
    public static TaskDefinition HandsVersusFeet { get; } = new(
        "hands-vs-feet",
        [6, 10, 14],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["T1"] = "hands", ["T2"] = "feet" });

    /// <summary>Imagined left fist (T1) against imagined right fist (T2), eegmmidb runs 4, 8 and 12.</summary>
    public static TaskDefinition LeftVersusRight { get; } = new(
        "left-vs-right",
        [4, 8, 12],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["T1"] = "left", ["T2"] = "right" });

    /// <summary>
    /// Rest (T0, the ~4.2 s pauses between cues) against imagined left fist (T1) and imagined right fist (T2), eegmmidb
    /// runs 4, 8 and 12: a decoder that can say "do nothing". Rest windows use the same 0.5-2.5 s after the T0 onset,
    /// which lies inside the pause, so every class is cut alike.
    /// </summary>
    public static TaskDefinition RestLeftRight { get; } = new(
        "rest-left-right",
        [4, 8, 12],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["T0"] = "rest", ["T1"] = "left", ["T2"] = "right" });

    /// <summary>
    /// The same three classes from the executed (real) left and right fist runs 3, 7 and 11: auxiliary data for a
    /// pooled base model, since executed and imagined movement desynchronise the same sensorimotor rhythms.
    /// </summary>
    public static TaskDefinition RestLeftRightExecuted { get; } = new(
        "rest-left-right-executed",
        [3, 7, 11],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["T0"] = "rest", ["T1"] = "left", ["T2"] = "right" });

    /// <summary>The tasks that need no task file.</summary>
    public static IReadOnlyList<TaskDefinition> BuiltIn { get; } = [HandsVersusFeet, LeftVersusRight, RestLeftRight, RestLeftRightExecuted];

    /// <summary>
    /// The distinct class names, sorted ordinally. A label is an index into this list, so the order must not depend
    /// on dictionary enumeration order or culture: the same task always gives the same label numbers.
    /// </summary>
    public IReadOnlyList<string> ClassNames
    {
        get
        {
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var className in ClassByAnnotation.Values)
            {
                names.Add(className);
            }

            return [.. names];
        }
    }

    public double WindowSeconds => WindowEndSeconds - WindowStartSeconds;

    /// <summary>The task named <paramref name="name"/> among the built-in ones (ignoring case); throws listing them if absent.</summary>
    public static TaskDefinition FindBuiltIn(string name) => Find(BuiltIn, name);

    /// <summary>The task named <paramref name="name"/> (ignoring case); throws listing the known names if absent.</summary>
    public static TaskDefinition Find(IReadOnlyList<TaskDefinition> tasks, string name)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(name);
        var known = new List<string>(tasks.Count);
        foreach (var task in tasks)
        {
            if (string.Equals(task.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return task;
            }

            known.Add(task.Name);
        }

        throw new ArgumentException($"No task is named '{name}'; the tasks are: {string.Join(", ", known)}.", nameof(name));
    }

    /// <summary>Reads a task file; see <see cref="Parse"/> for the format.</summary>
    public static IReadOnlyList<TaskDefinition> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <summary>
    /// Parses <c>{ "tasks": [ { "name": "hands-vs-feet", "runs": [6,10,14], "classes": { "T1": "hands", "T2": "feet" },
    /// "window": [0.5, 2.5] } ] }</c>; "window" may be left out for the default 0.5-2.5 s. Every problem is an
    /// <see cref="ArgumentException"/> naming the task and the field, because a task file is edited by hand and a
    /// bare JSON error would leave the author guessing which of several tasks is wrong.
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="origin">Where the text came from, for messages.</param>
    public static IReadOnlyList<TaskDefinition> Parse(string json, string origin = "task file")
    {
        ArgumentNullException.ThrowIfNull(json);
        using (var document = HandEditedJson.Parse(json, origin))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !HandEditedJson.TryGet(root, "tasks", out var tasksElement) || tasksElement.ValueKind != JsonValueKind.Array)
            {
                throw new ArgumentException($"{origin}: expected an object with a \"tasks\" array.", nameof(json));
            }

            var tasks = new List<TaskDefinition>();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var position = 0;
            foreach (var element in tasksElement.EnumerateArray())
            {
                var task = ParseTask(element, position, origin);
                if (!names.Add(task.Name))
                {
                    throw new ArgumentException($"{origin}: task '{task.Name}' is defined twice (\"name\" must be unique).", nameof(json));
                }

                tasks.Add(task);
                position++;
            }

            if (tasks.Count == 0)
            {
                throw new ArgumentException($"{origin}: \"tasks\" is empty; define at least one task.", nameof(json));
            }

            return tasks;
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the task and field if the definition cannot cut trials.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("A task needs a non-empty \"name\".");
        }

        var task = Name;

        if (Runs is null || Runs.Length == 0)
        {
            throw new ArgumentException($"Task '{task}': \"runs\" is empty; list the run numbers that hold the task.");
        }

        foreach (var run in Runs)
        {
            if (run < 1)
            {
                throw new ArgumentException($"Task '{task}': \"runs\" holds {run}; run numbers start at 1.");
            }
        }

        if (ClassByAnnotation is null || ClassByAnnotation.Count == 0)
        {
            throw new ArgumentException($"Task '{task}': \"classes\" is empty; map annotations (e.g. T1, T2) to class names.");
        }

        foreach (var (annotation, className) in ClassByAnnotation)
        {
            if (string.IsNullOrWhiteSpace(annotation) || string.IsNullOrWhiteSpace(className))
            {
                throw new ArgumentException($"Task '{task}': \"classes\" maps '{annotation}' to '{className}'; both must be non-empty.");
            }
        }

        if (ClassNames.Count < 2)
        {
            throw new ArgumentException($"Task '{task}': \"classes\" names only '{ClassNames[0]}'; a decoder needs at least two classes.");
        }

        if (!double.IsFinite(WindowStartSeconds) || !double.IsFinite(WindowEndSeconds) || WindowEndSeconds <= WindowStartSeconds)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Task '{task}': \"window\" [{WindowStartSeconds}, {WindowEndSeconds}] must be two finite seconds with start before end."));
        }
    }

    private static TaskDefinition ParseTask(JsonElement element, int position, string origin)
    {
        var label = $"{origin}: task {position + 1}";
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"{label}: expected an object with \"name\", \"runs\", \"classes\" and optionally \"window\".");
        }

        if (!HandEditedJson.TryGet(element, "name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(nameElement.GetString()))
        {
            throw new ArgumentException($"{label}: \"name\" is missing or not a non-empty string.");
        }

        var name = nameElement.GetString()!.Trim();
        label = $"{origin}: task '{name}'";

        if (!HandEditedJson.TryGet(element, "runs", out var runsElement) || runsElement.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"{label}: \"runs\" is missing or not an array of run numbers.");
        }

        var runs = new List<int>();
        foreach (var run in runsElement.EnumerateArray())
        {
            if (run.ValueKind != JsonValueKind.Number || !run.TryGetInt32(out var number) || number < 1)
            {
                throw new ArgumentException($"{label}: \"runs\" holds {run.GetRawText()}; run numbers are whole numbers from 1.");
            }

            runs.Add(number);
        }

        if (!HandEditedJson.TryGet(element, "classes", out var classesElement) || classesElement.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"{label}: \"classes\" is missing or not an object mapping annotations to class names.");
        }

        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in classesElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(entry.Value.GetString()))
            {
                throw new ArgumentException($"{label}: \"classes\" maps '{entry.Name}' to {entry.Value.GetRawText()}; a class name is a non-empty string.");
            }

            classes[entry.Name.Trim()] = entry.Value.GetString()!.Trim();
        }

        var start = 0.5;
        var end = 2.5;
        if (HandEditedJson.TryGet(element, "window", out var windowElement))
        {
            if (windowElement.ValueKind != JsonValueKind.Array || windowElement.GetArrayLength() != 2
                || windowElement[0].ValueKind != JsonValueKind.Number || windowElement[1].ValueKind != JsonValueKind.Number)
            {
                throw new ArgumentException($"{label}: \"window\" is {windowElement.GetRawText()}; give [start, end] in seconds after the cue.");
            }

            start = windowElement[0].GetDouble();
            end = windowElement[1].GetDouble();
        }

        var task = new TaskDefinition(name, [.. runs], classes, start, end);
        try
        {
            task.Validate();
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"{origin}: {exception.Message}", exception);
        }

        return task;
    }
}
