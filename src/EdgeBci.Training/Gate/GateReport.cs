namespace EdgeBci.Training.Gate;

/// <summary>One test of the gate: what was measured against what is required; <paramref name="Detail"/> says it in words.</summary>
/// <param name="Name">Stable identifier: "significance", "baseline", "int8-agreement", "wrong-way", "rest-moves".</param>
/// <param name="Passed">Whether the model passed it.</param>
/// <param name="Measured">The measured value (accuracy, agreement, share, rate).</param>
/// <param name="Required">The bound it is held to.</param>
/// <param name="Detail">The check in one sentence, with counts.</param>
/// <param name="CountNeeded">For the binomial test: right trials needed for p &lt; alpha (more than the trials when none can be).</param>
public sealed record GateCheck(string Name, bool Passed, double Measured, double Required, string Detail, int? CountNeeded = null);

/// <summary>The gate's verdict: every check, whether all passed, and what to do about each failure.</summary>
public sealed record GateReport(IReadOnlyList<GateCheck> Checks, IReadOnlyList<string> Advice)
{
    public const string JsonFileName = "gate.json";

    public const string TextFileName = "gate.txt";

    public bool Passed
    {
        get
        {
            foreach (var check in Checks)
            {
                if (!check.Passed)
                {
                    return false;
                }
            }

            return Checks.Count > 0;
        }
    }

    /// <summary>The check named <paramref name="name"/>; throws naming the checks if there is none.</summary>
    public GateCheck Check(string name)
    {
        foreach (var check in Checks)
        {
            if (string.Equals(check.Name, name, StringComparison.Ordinal))
            {
                return check;
            }
        }

        throw new ArgumentException($"The gate has no check '{name}'; it has: {string.Join(", ", Checks.Select(c => c.Name))}.", nameof(name));
    }
}
