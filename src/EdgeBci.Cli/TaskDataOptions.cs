using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// The options every trainer command shares (which task, which recordings, which device configuration) and the one
/// way they become a dataset, so <c>train</c>, <c>evaluate</c> and <c>quantize</c> cut exactly the same windows.
/// </summary>
internal sealed class TaskDataOptions
{
    /// <param name="taskRequired">False where another option (evaluate's --bundle) can name the task instead.</param>
    public TaskDataOptions(bool taskRequired = true)
    {
        Task = new("--task") { Description = "hands-vs-feet, left-vs-right, or a task in --tasks.", Required = taskRequired };
    }

    public Option<string?> Task { get; }

    public Option<FileInfo?> Tasks { get; } = new("--tasks") { Description = "A JSON task file (name, runs, classes by annotation, window)." };

    public Option<DirectoryInfo?> Data { get; } = DataFolder.CreateOption("Folder with S<subject>/S<subject>R<run>.edf.");

    public Option<int> Subject { get; } = new("--subject") { Description = "Subject number.", DefaultValueFactory = _ => 1 };

    public Option<FileInfo?> Config { get; } = new("--config") { Description = "A JSON configuration file (Ads1299 and Signal sections as in appsettings.json)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Task, Tasks, Data, Subject, Config })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The task, its recordings and the device's signal chain settings, checked.</summary>
    /// <exception cref="ArgumentException">The task is unknown, the folder, subject or a run is missing, or a setting is invalid (named).</exception>
    public TaskData Resolve(ParseResult parse)
    {
        var settings = ResolveSettings(parse);
        var subject = parse.GetValue(Subject);
        var paths = EegmmidbLayout.RunPaths(settings.Folder, subject, settings.Definition);
        return new TaskData(settings.Definition, subject, paths, settings.Montage, settings.Device, settings.Signal);
    }

    /// <summary>
    /// The task, the dataset folder and the device's signal chain settings, for commands that pool several subjects
    /// (they have no --subject).
    /// </summary>
    /// <exception cref="ArgumentException">The task is unknown, the folder is missing, or a setting is invalid (named).</exception>
    public TaskSettings ResolveSettings(ParseResult parse)
    {
        var definitions = parse.GetValue(Tasks) is { } file ? TaskDefinition.Load(file.FullName) : TaskDefinition.BuiltIn;
        var definition = TaskDefinition.Find(definitions, parse.GetValue(Task) ?? throw new ArgumentException("--task is required: name the task to cut (hands-vs-feet, left-vs-right, or one in --tasks)."));
        var folder = DataFolder.Resolve(parse.GetValue(Data));
        var configuration = DeviceOptions.BuildConfiguration(parse.GetValue(Config), new Dictionary<string, string?>());
        var settings = AcquisitionSettings.Bind(configuration);
        var signal = AcquisitionSettings.BindSection<SignalOptions>(configuration, SignalOptions.Section);
        return new TaskSettings(definition, folder, settings.Ads1299.Channels, ReplaySettings.From(settings.Ads1299), signal);
    }
}

/// <summary>A task and where and how its windows are cut, before a subject is chosen.</summary>
internal sealed record TaskSettings(TaskDefinition Definition, string Folder, IReadOnlyList<string> Montage, ReplaySettings Device, SignalOptions Signal);

/// <summary>A resolved task: what to cut, from which recordings, through which device settings.</summary>
internal sealed record TaskData(
    TaskDefinition Definition, int Subject, IReadOnlyList<string> RecordingPaths, IReadOnlyList<string> Montage, ReplaySettings Device, SignalOptions Signal)
{
    /// <summary>Cuts the task's windows through the unit's own signal chain and says what it got.</summary>
    public EpochDataset Build(IAnsiConsole output, double cropMarginSeconds = 0)
    {
        var dataset = DatasetBuilder.Build(RecordingPaths, Definition, Montage, Device, Signal, cropMarginSeconds);
        output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(Definition.Name)}: {dataset.Count} windows of {dataset.SamplesPerWindow} samples x {dataset.ChannelCount} channels ({Markup.Escape(string.Join(", ", dataset.ChannelNames))}), classes {Markup.Escape(string.Join(" / ", dataset.ClassNames))}, runs {string.Join(", ", Definition.Runs)}"));
        return dataset;
    }
}
