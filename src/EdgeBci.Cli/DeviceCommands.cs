using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Diagnostics;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Recording;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>Commands that talk to the front-end: the same code on the emulator and on a unit.</summary>
internal static class DeviceCommands
{
    public static Command Info(IAnsiConsole output)
    {
        var device = new DeviceOptions();
        var command = new Command("info", "Board, chip ID and every ADS1299 register after configuration.");
        device.AddTo(command);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            using var frontEnd = device.Open(parse);
            var identity = frontEnd.Initialize();
            output.MarkupLine($"Board      [bold]{Markup.Escape(frontEnd.Board.Name)}[/] ({Markup.Escape(frontEnd.Board.Description)})");
            output.MarkupLine($"SPI        bus {frontEnd.Board.Spi.BusId}, chip select {frontEnd.Board.Spi.ChipSelectLine}, max {frontEnd.Board.Spi.MaxClockHz / 1e6:0.###} MHz");
            output.MarkupLine($"GPIO       chip {Markup.Escape(string.Join(" | ", frontEnd.Board.Gpio.ChipLabels))}: DRDY {frontEnd.Board.Gpio.DrdyLine}, START {frontEnd.Board.Gpio.StartLine}, RESET {frontEnd.Board.Gpio.ResetLine}, PWDN {frontEnd.Board.Gpio.PwdnLine}");
            output.MarkupLine($"Chip       {Markup.Escape(identity.ToString())}, {frontEnd.Device.ChipCount} chip(s), {frontEnd.Device.ChannelCount} channels");
            output.MarkupLine($"Stream     {frontEnd.SampleRate} SPS, gain {frontEnd.Options.Gain}, channels {Markup.Escape(string.Join(", ", frontEnd.ChannelNames))}");
            if (frontEnd.Emulator is { } emulator)
            {
                output.MarkupLine($"Source     {Markup.Escape(emulator.SourceDescription)}");
            }

            Span<byte> registers = stackalloc byte[Ads1299RegisterMap.RegisterCount];
            frontEnd.Device.ReadRegisters(Ads1299Register.ID, registers);
            var table = new Table().AddColumn("Address").AddColumn("Register").AddColumn("Value").AddColumn("Bits");
            for (var address = 0; address < registers.Length; address++)
            {
                table.AddRow($"0x{address:X2}", ((Ads1299Register)address).ToString(), $"0x{registers[address]:X2}", Convert.ToString(registers[address], 2).PadLeft(8, '0'));
            }

            output.Write(table);
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    public static Command SelfTest(IAnsiConsole output)
    {
        var device = new DeviceOptions();
        var command = new Command("selftest", "ID, register read-back, internal test signal, shorted-input noise and lead-off per channel; exits 1 on any failure.");
        device.AddTo(command);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            using var frontEnd = device.Open(parse);
            var report = Acquisition.Diagnostics.SelfTest.Run(frontEnd);
            var table = new Table().AddColumn("Check").AddColumn("Channel").AddColumn("Measured").AddColumn("Expected").AddColumn("Result");
            foreach (var check in report.Checks)
            {
                table.AddRow(
                    Markup.Escape(check.Check),
                    Markup.Escape(check.Channel),
                    Markup.Escape(check.Measured),
                    Markup.Escape(check.Expected),
                    check.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
            }

            output.Write(table);
            var failed = report.Checks.Count(c => !c.Passed);
            output.MarkupLine(report.Passed
                ? $"[green]Self-test passed[/]: {report.Checks.Count} checks."
                : $"[red]Self-test failed[/]: {failed} of {report.Checks.Count} checks.");
            return report.Passed ? EdgeBciCommand.Success : EdgeBciCommand.Failed;
        }));
        return command;
    }

    public static Command Impedance(IAnsiConsole output)
    {
        var device = new DeviceOptions();
        var current = new Option<int>("--current") { Description = "Excitation current in nA: 6 or 24.", DefaultValueFactory = _ => 6 };
        var command = new Command("impedance", "Electrode impedance per channel by AC lead-off excitation at a quarter of the data rate.");
        device.AddTo(command);
        command.Options.Add(current);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var nanoamps = parse.GetValue(current);
            if (nanoamps is not (6 or 24))
            {
                throw new ArgumentException($"--current {nanoamps}: use 6 or 24 (nA); the µA settings would drive microvolts into millivolts.");
            }

            using var frontEnd = device.Open(parse);
            frontEnd.Initialize();
            var results = Acquisition.Diagnostics.Impedance.Measure(frontEnd, nanoamps == 24 ? LeadOffCurrent.Nanoamps24 : LeadOffCurrent.Nanoamps6);
            var table = new Table().AddColumn("Channel").AddColumn(new TableColumn("Impedance").RightAligned()).AddColumn("Quality");
            foreach (var electrode in results)
            {
                var colour = electrode.Quality switch { "good" => "green", "fair" => "yellow", _ => "red" };
                table.AddRow(
                    Markup.Escape(electrode.Channel),
                    electrode.LeadOff ? "open" : string.Create(CultureInfo.InvariantCulture, $"{electrode.Kiloohms:0.0} kΩ"),
                    $"[{colour}]{electrode.Quality}[/]");
            }

            output.Write(table);
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    public static Command Record(IAnsiConsole output)
    {
        var device = new DeviceOptions();
        var seconds = new Option<double>("--seconds") { Description = "How long to record.", Required = true };
        var file = new Option<FileInfo>("--out") { Description = RecordingOutput.OutDescription, Required = true };
        var force = RecordingOutput.ForceOption();
        var command = new Command("record", "Records the configured channels to BDF+ (.bdf, lossless counts) or EDF+ (.edf, 16-bit), one data record per second, crash-safe.");
        device.AddTo(command);
        command.Options.Add(seconds);
        command.Options.Add(file);
        command.Options.Add(force);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var duration = parse.GetValue(seconds);
            if (duration is <= 0 or > 86_400 || double.IsNaN(duration))
            {
                throw new ArgumentException($"--seconds {duration}: give a duration from 0 to 86400.");
            }

            var target = parse.GetValue(file)!;
            RecordingOutput.Format(target, requested: null);
            RecordingOutput.CheckWritable(target, parse.GetValue(force));
            var path = target.FullName;
            using var frontEnd = device.Open(parse);
            var identity = frontEnd.Initialize();
            var gain = frontEnd.Options.GainSetting;
            var frames = (long)Math.Round(duration * frontEnd.SampleRate);
            using var acquisition = new FrameAcquisition(frontEnd);
            using (var recorder = new BdfFrameRecorder(path, frontEnd.ChannelNames, frontEnd.SampleRate, gain, $"Startdate X X {identity.Model} {frontEnd.Board.Name}", DateTime.Now,
                RecordingOutput.Existing(parse.GetValue(force))))
            {
                output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"Recording {RecordingFormat.Describe(recorder.Format)} to {Markup.Escape(recorder.Path)}: {recorder.MicrovoltsPerStep:0.#####} µV per step."));
                var stopwatch = Stopwatch.StartNew();
                var lastReport = 0L;
                acquisition.RecordUntil(recorder, frames, _ =>
                {
                    var second = stopwatch.ElapsedMilliseconds / 1000;
                    if (second > lastReport)
                    {
                        lastReport = second;
                        output.MarkupLine($"  {recorder.SamplesWritten / (double)frontEnd.SampleRate:0.0} s of {duration:0.#} s, missed {acquisition.MissedSamples}, bad {acquisition.BadFrames}");
                    }

                    return true;
                });
                acquisition.Dispose();
                output.MarkupLine($"Recorded [bold]{recorder.SamplesWritten / (double)frontEnd.SampleRate:0.###} s[/] of {frontEnd.Device.ChannelCount} channels to {Markup.Escape(path)} (gaps filled: {recorder.GapSamples} samples, of which {acquisition.Overruns} fell behind the ring; bad frames: {acquisition.BadFrames}).");
            }

            return EdgeBciCommand.Success;
        }));
        return command;
    }
}
