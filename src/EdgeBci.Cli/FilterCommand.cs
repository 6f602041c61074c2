using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci filter</c>: a recording through the configured signal chain exactly as the unit would run it. The
/// recording is replayed at the chip's data rate and quantised to its counts (as the emulator does), then goes
/// through the same <see cref="SignalChain"/> in the same block size; the output is written as BDF+ for any EEG viewer.
/// </summary>
internal static class FilterCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var input = new Option<FileInfo>("--in") { Description = "EDF/EDF+, BDF/BDF+, OpenBCI GUI text or CSV (µV) recording.", Required = true };
        var file = new Option<FileInfo>("--out") { Description = "The BDF+ file to write.", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON configuration file (Ads1299 and Signal sections as in appsettings.json)." };
        var channels = new Option<string?>("--channels")
        {
            Description = "Channels to take, in device order; 'Label=source' renames one (default: Ads1299:Channels).",
        };
        var command = new Command("filter", "Filters a recording offline with the configured chain, bit for bit as the unit does, into BDF+.");
        command.Options.Add(input);
        command.Options.Add(file);
        command.Options.Add(config);
        command.Options.Add(channels);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var source = parse.GetValue(input)!;
            if (!source.Exists)
            {
                throw new ArgumentException($"--in '{source.FullName}': no such file.");
            }

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

            var recording = RecordingLoader.Load(source.FullName);
            var filtered = Run(recording, sources, deviceNames, settings.Ads1299, signal, out var chain);
            var gain = Gain(settings.Ads1299);
            var prefiltering = string.Join("; ", chain.Stages);
            var converted = RecordingConverter.FromMicrovolts(filtered, deviceNames, EdfFormat.Bdf,
                Ads1299Scaling.FullScaleMicrovolts(gain), Ads1299Frame.MinimumCount, Ads1299Frame.MaximumCount,
                prefiltering.Length <= 80 ? prefiltering : prefiltering[..80], File.GetLastWriteTime(source.FullName));
            var destination = parse.GetValue(file)!.FullName;
            EdfWriter.Write(destination, converted);
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Filtered {Markup.Escape(source.Name)} ({recording.SampleRate:0.###} Hz) at {chain.InputRate} SPS through: {Markup.Escape(string.Join(", ", chain.Stages))}."));
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote [bold]{Markup.Escape(destination)}[/]: {deviceNames.Length} channels at {chain.OutputRate} Hz, {converted.RecordCount} s, {converted.Annotations.Count} annotations."));
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    /// <summary>The recording as the unit would see and filter it; the result is in microvolts at the chain's output rate.</summary>
    internal static MicrovoltRecording Run(MicrovoltRecording recording, IReadOnlyList<string> sources, IReadOnlyList<string> deviceNames,
        Ads1299Options ads1299, SignalOptions signal, out SignalChain chain)
    {
        var replay = new RecordingSignalSource(recording, sources);
        var rate = ads1299.SampleRate;
        chain = SignalChain.Create(signal, deviceNames, rate, signal.BlockFrames);
        var gain = Gain(ads1299);
        var channels = deviceNames.Count;
        var inputFrames = (int)Math.Floor(recording.SampleCount * (double)rate / recording.SampleRate);
        var outputCapacity = chain.MaximumOutputFrames(inputFrames) + chain.MaximumOutputFrames(signal.BlockFrames);
        var output = new double[chain.OutputChannels][];
        for (var c = 0; c < output.Length; c++)
        {
            output[c] = new double[outputCapacity];
        }

        var microvolts = new double[channels];
        var block = new int[signal.BlockFrames * channels];
        var filtered = new int[chain.MaximumOutputFrames(signal.BlockFrames) * chain.OutputChannels];
        var written = 0;
        var microvoltsPerQ31 = Ads1299Scaling.MicrovoltsPerCount(gain) / (1 << Q31.CountShift);
        for (var start = 0; start < inputFrames; start += signal.BlockFrames)
        {
            var frames = Math.Min(signal.BlockFrames, inputFrames - start);
            for (var f = 0; f < frames; f++)
            {
                replay.Generate(start + f, rate, microvolts);
                for (var c = 0; c < channels; c++)
                {
                    block[(f * channels) + c] = Ads1299Scaling.ToCounts(microvolts[c], gain);
                }
            }

            var produced = chain.Process(block.AsSpan(0, frames * channels), filtered);
            for (var f = 0; f < produced; f++)
            {
                for (var c = 0; c < chain.OutputChannels; c++)
                {
                    output[c][written] = filtered[(f * chain.OutputChannels) + c] * microvoltsPerQ31;
                }

                written++;
            }
        }

        for (var c = 0; c < output.Length; c++)
        {
            Array.Resize(ref output[c], written);
        }

        // Events keep their times: the chain's output runs on the same clock as its input.
        return new MicrovoltRecording
        {
            SourcePath = recording.SourcePath,
            SampleRate = chain.OutputRate,
            ChannelLabels = deviceNames,
            Microvolts = output,
            Annotations = recording.Annotations,
        };
    }

    private static Ads1299Gain Gain(Ads1299Options options) =>
        Ads1299Values.TryParseGain(options.Gain, out var gain)
            ? gain
            : throw new ArgumentException($"{Ads1299Options.Section}:Gain = {options.Gain} is not allowed; use one of 1, 2, 4, 6, 8, 12, 24.");
}
