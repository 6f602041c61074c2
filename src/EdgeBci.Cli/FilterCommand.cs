using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci filter</c>: a recording through the configured signal chain exactly as the unit would run it. The
/// recording is replayed at the chip's data rate and quantised to its counts (as the emulator does), then goes
/// through the same <see cref="SignalChain"/> in the same block size; the output is written as BDF+ or EDF+ (as its name
/// says) for any EEG viewer.
/// </summary>
internal static class FilterCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var input = new Option<FileInfo>("--in") { Description = "EDF/EDF+, BDF/BDF+, OpenBCI GUI text or CSV (µV) recording.", Required = true };
        var file = new Option<FileInfo>("--out") { Description = RecordingOutput.OutDescription, Required = true };
        var force = RecordingOutput.ForceOption();
        var config = new Option<FileInfo?>("--config") { Description = "A JSON configuration file (Ads1299 and Signal sections as in appsettings.json)." };
        var channels = new Option<string?>("--channels")
        {
            Description = "Channels to take, in device order; 'Label=source' renames one (default: Ads1299:Channels).",
        };
        var recordingInput = new RecordingInputOptions();
        var command = new Command("filter", "Filters a recording offline with the configured chain, bit for bit as the unit does, into BDF+ (.bdf) or EDF+ (.edf).");
        command.Options.Add(input);
        command.Options.Add(file);
        command.Options.Add(config);
        command.Options.Add(channels);
        recordingInput.AddTo(command);
        command.Options.Add(force);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var source = parse.GetValue(input)!;
            if (!source.Exists)
            {
                throw new ArgumentException($"--in '{source.FullName}': no such file.");
            }

            var target = parse.GetValue(file)!;
            var outputFormat = RecordingOutput.Format(target, requested: null);
            RecordingOutput.CheckWritable(target, parse.GetValue(force));

            var configuration = DeviceOptions.BuildConfiguration(parse.GetValue(config), new Dictionary<string, string?>());
            var settings = AcquisitionSettings.Bind(configuration);
            var signal = AcquisitionSettings.BindSection<SignalOptions>(configuration, SignalOptions.Section);
            var (sources, labels) = parse.GetValue(channels) is { } text
                ? ConvertCommand.ParseChannels(text)
                : (settings.Ads1299.Channels, settings.Ads1299.Channels);
            var deviceNames = new string[labels.Length];
            for (var i = 0; i < labels.Length; i++)
            {
                deviceNames[i] = ChannelLabel.Normalize(labels[i]);
            }

            var errors = settings.Ads1299.Validate();
            if (errors.Count > 0)
            {
                throw new ArgumentException(string.Join(Environment.NewLine, errors));
            }

            var recording = RecordingLoader.Load(source.FullName, recordingInput.Hints(parse));
            var gain = settings.Ads1299.GainSetting;
            var filtered = DeviceReplay.Run(recording, sources, deviceNames, settings.Ads1299.SampleRate, gain, signal, out var chain);
            var prefiltering = string.Join("; ", chain.Stages);
            // Re-referencing may rename and regroup the channels (bipolar C3-Cz): the output takes the chain's names.
            var converted = RecordingConverter.FromMicrovolts(filtered, filtered.ChannelLabels, EdfFormat.Bdf,
                Ads1299Scaling.FullScaleMicrovolts(gain), Ads1299Frame.MinimumCount, Ads1299Frame.MaximumCount,
                prefiltering.Length <= 80 ? prefiltering : prefiltering[..80], File.GetLastWriteTime(source.FullName));
            var destination = target.FullName;
            converted = RecordingOutput.Write(output, destination, converted, outputFormat, parse.GetValue(force));
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Filtered {Markup.Escape(source.Name)} ({recording.SampleRate:0.###} Hz) at {chain.InputRate} SPS through: {Markup.Escape(string.Join(", ", chain.Stages))}."));
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote [bold]{Markup.Escape(destination)}[/]: {filtered.ChannelLabels.Count} channels at {chain.OutputRate} Hz, {converted.RecordCount} s, {converted.Annotations.Count} annotations."));
            return EdgeBciCommand.Success;
        }));
        return command;
    }
}
