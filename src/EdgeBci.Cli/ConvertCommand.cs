using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Recording;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary><c>edgebci convert</c>: EDF/BDF/OpenBCI recordings to EDF+/BDF+ with the unit's channels.</summary>
internal static class ConvertCommand
{
    private static readonly string[] DefaultMontage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    public static Command Create(IAnsiConsole output)
    {
        var input = new Argument<FileInfo>("input") { Description = "An EDF/EDF+, BDF/BDF+ or OpenBCI GUI text recording." };
        var file = new Option<FileInfo>("--out") { Description = RecordingOutput.OutDescription, Required = true };
        var channels = new Option<string>("--channels")
        {
            Description = "Comma-separated channels to keep, in device order; 'Label=source' renames one (e.g. 'Fp1=EXG Channel 0').",
            DefaultValueFactory = _ => string.Join(',', DefaultMontage),
        };
        var format = new Option<string?>("--format") { Description = "bdf or edf; optional, and it must agree with the --out name (which decides)." };
        var force = RecordingOutput.ForceOption();
        var start = new Option<double>("--start") { Description = "Seconds to skip, on a data record boundary.", DefaultValueFactory = _ => 0 };
        var seconds = new Option<double?>("--seconds") { Description = "Seconds to keep (default: to the end)." };
        var gain = new Option<int>("--gain") { Description = "Microvolt sources only: the ADS1299 gain whose counts the samples become.", DefaultValueFactory = _ => 24 };
        var recordingInput = new RecordingInputOptions();

        var command = new Command("convert", "Converts a recording to EDF+/BDF+, keeping the named channels; EDF/BDF samples are copied losslessly.");
        command.Arguments.Add(input);
        command.Options.Add(file);
        command.Options.Add(channels);
        command.Options.Add(format);
        command.Options.Add(start);
        command.Options.Add(seconds);
        command.Options.Add(gain);
        recordingInput.AddTo(command);
        command.Options.Add(force);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var source = parse.GetValue(input)!;
            if (!source.Exists)
            {
                throw new ArgumentException($"input '{source.FullName}': no such file.");
            }

            var target = parse.GetValue(file)!;
            var outputFormat = RecordingOutput.Format(target, parse.GetValue(format));
            RecordingOutput.CheckWritable(target, parse.GetValue(force));
            var (names, labels) = ParseChannels(parse.GetValue(channels)!);
            var destination = target.FullName;

            // Converted losslessly at full width first; EDF+ output is then fitted into 16 bits by the one writer of the output side.
            var converted = Convert(source.FullName, names, labels, EdfFormat.Bdf, parse.GetValue(start), parse.GetValue(seconds), parse.GetValue(gain), recordingInput.Hints(parse));
            converted = RecordingOutput.Write(output, destination, converted, outputFormat, parse.GetValue(force));

            var header = converted.Header;
            var dataSignals = header.Signals.Count - 1;
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote [bold]{Markup.Escape(destination)}[/]: {header.Reserved}, {dataSignals} channels at {converted.GetSampleRate(0):0.###} Hz, {converted.RecordCount * header.RecordDuration:0.###} s, {converted.Annotations.Count} annotations, {new FileInfo(destination).Length:N0} bytes."));
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    /// <summary>"FC3,Fp1=EXG Channel 0" → sources [FC3, EXG Channel 0], labels [EEG FC3, Fp1].</summary>
    internal static (string[] Sources, string[] Labels) ParseChannels(string text)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sources = new string[items.Length];
        var labels = new string[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var equals = items[i].IndexOf('=', StringComparison.Ordinal);
            sources[i] = equals < 0 ? items[i] : items[i][(equals + 1)..].Trim();
            labels[i] = equals < 0 ? RecordingConverter.DeviceLabel(items[i]) : items[i][..equals].Trim();
            if (sources[i].Length == 0 || labels[i].Length == 0)
            {
                throw new ArgumentException($"--channels item '{items[i]}': write a channel name, or Label=source.");
            }
        }

        return (sources, labels);
    }

    internal static EdfRecording Convert(string path, IReadOnlyList<string> channels, IReadOnlyList<string> labels, EdfFormat format, double start, double? seconds, int gain, RecordingHints? hints = null)
    {
        var first = new byte[8];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadAtLeast(first, first.Length, throwOnEndOfStream: false);
        }

        if (EdfReader.LooksLikeEdf(first))
        {
            return RecordingConverter.Select(EdfReader.Read(path), channels, format, start, seconds, labels);
        }

        if (!Ads1299Values.TryParseGain(gain, out var ads1299Gain))
        {
            throw new ArgumentException($"--gain {gain} is not allowed; allowed: 1 | 2 | 4 | 6 | 8 | 12 | 24.");
        }

        if (start != 0 || seconds is not null)
        {
            throw new ArgumentException("--start and --seconds apply to EDF/BDF sources; trim the text recording after converting it.");
        }

        var recording = RecordingLoader.Load(path, hints ?? RecordingHints.None);
        return RecordingConverter.FromMicrovolts(recording, channels, format,
            Ads1299Scaling.FullScaleMicrovolts(ads1299Gain), Ads1299Frame.MinimumCount, Ads1299Frame.MaximumCount,
            $"ADS1299 gain {gain}", File.GetLastWriteTime(path), labels);
    }
}
