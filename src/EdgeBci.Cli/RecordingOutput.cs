using System.CommandLine;
using System.Globalization;
using EdgeBci.Recording;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// The output side every command that writes a recording shares: the format comes from the file's name
/// (<see cref="RecordingFormat.FromPath"/>), an existing file is refused unless <c>--force</c>, and an EDF+ file's
/// 16-bit resolution is printed, because it is coarser than the unit's 24-bit counts.
/// </summary>
internal static class RecordingOutput
{
    public const string OutDescription = "The file to write: .bdf for BDF+ (24-bit, lossless counts) or .edf for EDF+ (16-bit).";

    public static Option<bool> ForceOption() => new("--force") { Description = "Replace the --out file if it exists (by default an existing file is refused)." };

    /// <summary>The format <paramref name="file"/> names; <paramref name="requested"/> (e.g. --format) must agree with it.</summary>
    public static EdfFormat Format(FileInfo file, string? requested)
    {
        try
        {
            return RecordingFormat.FromPath(file.FullName, requested);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"--out{(requested is null ? string.Empty : " / --format")}: {exception.Message}", exception);
        }
    }

    /// <summary>Refuses an existing <paramref name="file"/> without --force before any work is done.</summary>
    public static void CheckWritable(FileInfo file, bool force)
    {
        if (file.Exists && !force)
        {
            throw new ArgumentException($"--out '{file.FullName}' already exists; a recording is never overwritten unless you add --force.");
        }
    }

    public static ExistingFile Existing(bool force) => force ? ExistingFile.Replace : ExistingFile.Refuse;

    /// <summary>
    /// Writes <paramref name="recording"/> (any digital width) in <paramref name="format"/>: as it is for BDF+, requantized
    /// to 16 bits over each signal's data range for EDF+ (the step printed). Returns what was written.
    /// </summary>
    public static EdfRecording Write(IAnsiConsole output, string destination, EdfRecording recording, EdfFormat format, bool force)
    {
        var written = recording;
        if (format == EdfFormat.Edf)
        {
            (written, var steps) = SixteenBitRecording.From(recording);
            var coarsest = 0;
            for (var i = 1; i < steps.Length; i++)
            {
                coarsest = steps[i] > steps[coarsest] ? i : coarsest;
            }

            var signal = written.Header.Signals[coarsest];
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"EDF+ stores 16-bit samples: physical range from the data, at most {steps[coarsest]:0.#####} {Markup.Escape(signal.PhysicalDimension.Trim())} per step ({Markup.Escape(signal.Label.Trim())}); write .bdf to keep 24-bit counts."));
        }

        EdfWriter.Write(destination, written, Existing(force));
        return written;
    }
}
