using System.Globalization;
using EdgeBci.Training.Camp;
using Spectre.Console;

namespace EdgeBci.Cli.Camp;

/// <summary>
/// Shows the session's cues on the console. At real time each period fills the screen: a fixation cross, then a large
/// block-drawn arrow with the class's word in big letters and a bell at cue onset, with the progress below; all of it
/// fits 80 columns. A free-running emulator passes a trial in milliseconds, so there it prints one line per trial and
/// rings no bell, instead of flooding the terminal.
/// </summary>
internal sealed class ConsoleCuePresenter(IAnsiConsole output, bool oneLinePerTrial, bool quiet) : ICuePresenter
{
    /// <summary>The widest line this presenter prints; the console tool must read on an 80-column terminal.</summary>
    public const int MaximumWidth = 80;

    private static readonly string[] Cross =
    [
        "   ██   ",
        "   ██   ",
        "████████",
        "   ██   ",
        "   ██   ",
    ];

    private static readonly string[] LeftArrow =
    [
        "     ██               ",
        "   ████               ",
        " ██████████████████   ",
        "███████████████████   ",
        " ██████████████████   ",
        "   ████               ",
        "     ██               ",
    ];

    private int _sampleRate = 250;

    public void SessionStarted(CueSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _sampleRate = schedule.SampleRate;
        var origin = schedule.Seed is { } seed
            ? string.Create(CultureInfo.InvariantCulture, $"protocol '{schedule.Protocol.Name}', seed {seed}")
            : "the replayed recordings' cues";
        output.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Calibration: {schedule.TrialCount} trials in {schedule.Blocks.Count} blocks, from {origin}.")));
        if (!oneLinePerTrial)
        {
            output.MarkupLine("Imagine the movement the arrow shows while it is shown; rest when the cross is gone.");
        }
    }

    public void Fixation(TrialPosition position, double seconds)
    {
        if (oneLinePerTrial)
        {
            return;
        }

        Screen();
        output.Write(Centred(Cross));
        output.WriteLine();
        Progress(position, "get ready");
    }

    public void Cue(TrialPosition position, CueClass cueClass, double seconds)
    {
        ArgumentNullException.ThrowIfNull(cueClass);
        if (oneLinePerTrial)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"block {position.Block}/{position.Blocks}  trial {position.Trial,3}/{position.Trials}  {cueClass.Symbol} {cueClass.Word,-6} at {position.Sample / (double)_sampleRate,8:0.000} s"));
            return;
        }

        if (!quiet)
        {
            // The bell marks the cue's onset for a wearer who looks away: the imagery starts with it.
            output.Profile.Out.Writer.Write('\a');
        }

        Screen();
        if (ArrowFor(cueClass) is { } arrow)
        {
            output.Write(Centred(arrow));
            output.WriteLine();
        }

        output.Write(new FigletText(cueClass.Word).Centered());
        Progress(position, string.Create(CultureInfo.InvariantCulture, $"{cueClass.Symbol} {cueClass.Word} for {seconds:0.#} s"));
    }

    public void Rest(TrialPosition position, double seconds)
    {
        if (oneLinePerTrial)
        {
            return;
        }

        Screen();
        Progress(position, string.Create(CultureInfo.InvariantCulture, $"rest {seconds:0.#} s"));
    }

    public void BlockBreak(int block, int blocks, double seconds)
    {
        if (!oneLinePerTrial)
        {
            Screen();
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Block {block} of {blocks} done. Break: up to {seconds:0} s; press any key to go on."));
    }

    public void SessionEnded(SessionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        output.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{(summary.Completed ? "Session complete" : "Session stopped")}: {summary.Trials} trials, {summary.Blocks} blocks, {summary.Seconds:0.0} s recorded.")));
    }

    /// <summary>A left arrow for a class whose symbol points left, mirrored for right; none for other cues (the word shows alone).</summary>
    private static string[]? ArrowFor(CueClass cueClass) => cueClass.Symbol switch
    {
        "←" or "<" => LeftArrow,
        "→" or ">" => Mirror(LeftArrow),
        _ => null,
    };

    private static string[] Mirror(string[] lines)
    {
        var mirrored = new string[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var characters = lines[i].ToCharArray();
            Array.Reverse(characters);
            mirrored[i] = new string(characters);
        }

        return mirrored;
    }

    private static Align Centred(string[] lines) => Align.Center(new Text(string.Join('\n', lines)));

    private void Screen()
    {
        // Only a real terminal is cleared: a log or a pipe keeps every period, one after another.
        if (output.Profile.Capabilities.Interactive && output.Profile.Out.IsTerminal)
        {
            output.Clear(home: true);
        }
        else
        {
            output.WriteLine();
        }
    }

    private void Progress(TrialPosition position, string what) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trial {position.Trial} of {position.Trials} · block {position.Block} of {position.Blocks} · {what}"));
}
