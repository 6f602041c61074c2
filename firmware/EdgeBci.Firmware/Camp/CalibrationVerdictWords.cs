using System.Globalization;
using EdgeBci.Training.Camp;

namespace EdgeBci.Firmware;

/// <summary>The acceptance gate's verdict for the wearer and their carer: passed or not, the figures, and why in plain words.</summary>
internal static class CalibrationVerdictWords
{
    public static string Describe(CalibrationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"{outcome.Accuracy:P0} right on the last block's {outcome.HeldOutTrials} trials (chance {outcome.Chance:P0}), ITR {outcome.Replay.Score.ItrBitsPerMinute:0.0} bits/min");
        if (outcome.Gate.Passed)
        {
            return $"Passed: {figures}; every check of the acceptance gate passed.";
        }

        var failed = new List<string>();
        foreach (var check in outcome.Gate.Checks)
        {
            if (!check.Passed)
            {
                failed.Add($"{check.Name} ({check.Detail})");
            }
        }

        var advice = outcome.Gate.Advice.Count > 0 ? " " + outcome.Gate.Advice[0] : string.Empty;
        return $"Refused: {figures}. Failed: {string.Join("; ", failed)}.{advice} The unit keeps its current model.";
    }
}
