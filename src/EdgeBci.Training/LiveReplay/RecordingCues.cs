using EdgeBci.Decoding.Bundle;
using EdgeBci.Recording;

namespace EdgeBci.Training.LiveReplay;

/// <summary>
/// A recording's cues as the live replay scores them: every annotation the model's task maps to a class, except the
/// rest code T0, is a cued trial of that class for the annotation's duration; every T0 is a rest period (eegmmidb and
/// the calibration sessions use the same codes).
/// </summary>
public sealed record RecordingCues(IReadOnlyList<CuedTrial> Trials, IReadOnlyList<RestPeriod> Rests, IReadOnlyList<string> CuedClasses)
{
    public const string RestCode = "T0";

    /// <exception cref="ArgumentException">The recording holds no cue of the task, or a cue has no duration (named with its onset).</exception>
    public static RecordingCues From(MicrovoltRecording recording, ModelTask task)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(task);
        var name = Path.GetFileName(recording.SourcePath);
        var trials = new List<CuedTrial>();
        var rests = new List<RestPeriod>();
        var classes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var annotation in recording.Annotations)
        {
            var code = annotation.Text.Trim();
            var isRest = string.Equals(code, RestCode, StringComparison.Ordinal);
            if (!isRest && !task.ClassByAnnotation.ContainsKey(code))
            {
                continue;
            }

            if (annotation.Duration is not (> 0 and var duration))
            {
                throw new ArgumentException(FormattableString.Invariant(
                    $"{name}: the annotation '{code}' at {annotation.Onset:0.###} s has no duration; the replay scores each cue over its period."));
            }

            if (isRest)
            {
                rests.Add(new RestPeriod(annotation.Onset, duration));
            }
            else
            {
                var className = task.ClassByAnnotation[code];
                trials.Add(new CuedTrial(annotation.Onset, duration, className));
                classes.Add(className);
            }
        }

        if (trials.Count == 0)
        {
            throw new ArgumentException($"{name}: no cue of the task '{task.Name}' ({string.Join(", ", task.ClassByAnnotation.Keys)}) in its {recording.Annotations.Count} annotations.");
        }

        return new RecordingCues(trials, rests, [.. classes]);
    }
}
