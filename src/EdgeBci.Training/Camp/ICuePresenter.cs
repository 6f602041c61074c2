namespace EdgeBci.Training.Camp;

/// <summary>Where the wearer is in the session when a presenter is called.</summary>
/// <param name="Trial">1-based trial of the session.</param>
/// <param name="Trials">Trials in the session.</param>
/// <param name="Block">1-based block.</param>
/// <param name="Blocks">Blocks in the session.</param>
/// <param name="Sample">The recording's sample index at which the period starts.</param>
public readonly record struct TrialPosition(int Trial, int Trials, int Block, int Blocks, long Sample);

/// <summary>What the session recorded, for the presenter's last word.</summary>
public sealed record SessionSummary(int Trials, int Blocks, double Seconds, string RecordingPath, bool Completed);

/// <summary>
/// Shows the wearer the session's cues: the console today, the wearer's page next. Each call comes when the
/// acquisition reaches the period's first sample (sample time, not the wall clock), on the acquisition's thread, so
/// an implementation must return quickly; one that waits delays the recording's reader, not the cue timing.
/// </summary>
public interface ICuePresenter
{
    void SessionStarted(CueSchedule schedule);

    /// <summary>The fixation cross before a cue; <paramref name="seconds"/> until the cue.</summary>
    void Fixation(TrialPosition position, double seconds);

    /// <summary>The cue's onset: show the class's symbol and word (and beep) for the imagery's <paramref name="seconds"/>.</summary>
    void Cue(TrialPosition position, CueClass cueClass, double seconds);

    /// <summary>Rest before the next trial (or at a block's end).</summary>
    void Rest(TrialPosition position, double seconds);

    /// <summary>A break after block <paramref name="block"/> of at most <paramref name="seconds"/>.</summary>
    void BlockBreak(int block, int blocks, double seconds);

    void SessionEnded(SessionSummary summary);
}

/// <summary>Several presenters at once (the console and the wearer's page), each called in the order given.</summary>
public sealed class CompositeCuePresenter(IReadOnlyList<ICuePresenter> presenters) : ICuePresenter
{
    private readonly ICuePresenter[] _presenters = [.. presenters ?? throw new ArgumentNullException(nameof(presenters))];

    public void SessionStarted(CueSchedule schedule)
    {
        foreach (var presenter in _presenters)
        {
            presenter.SessionStarted(schedule);
        }
    }

    public void Fixation(TrialPosition position, double seconds)
    {
        foreach (var presenter in _presenters)
        {
            presenter.Fixation(position, seconds);
        }
    }

    public void Cue(TrialPosition position, CueClass cueClass, double seconds)
    {
        foreach (var presenter in _presenters)
        {
            presenter.Cue(position, cueClass, seconds);
        }
    }

    public void Rest(TrialPosition position, double seconds)
    {
        foreach (var presenter in _presenters)
        {
            presenter.Rest(position, seconds);
        }
    }

    public void BlockBreak(int block, int blocks, double seconds)
    {
        foreach (var presenter in _presenters)
        {
            presenter.BlockBreak(block, blocks, seconds);
        }
    }

    public void SessionEnded(SessionSummary summary)
    {
        foreach (var presenter in _presenters)
        {
            presenter.SessionEnded(summary);
        }
    }
}
