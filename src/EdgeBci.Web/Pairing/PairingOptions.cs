namespace EdgeBci.Web.Pairing;

/// <summary>How long codes and sessions last and how many wrong codes are tolerated (the Web section sets the first two).</summary>
public sealed record PairingOptions
{
    /// <summary>How long an issued code can be redeemed (Web:PairingCodeMinutes).</summary>
    public int CodeMinutes { get; init; } = 10;

    /// <summary>How long a paired session lasts from pairing; using it does not extend it (Web:SessionHours).</summary>
    public int SessionHours { get; init; } = 12;

    /// <summary>Wrong codes one address may send within <see cref="WrongCodeWindow"/> before it must wait.</summary>
    public int WrongCodesPerAddress { get; init; } = 5;

    /// <summary>Wrong codes all addresses together may send within <see cref="WrongCodeWindow"/> (many addresses, one guesser).</summary>
    public int WrongCodesGlobal { get; init; } = 20;

    public TimeSpan WrongCodeWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Wrong tries after which the open code is burnt, whoever sent them: a new code must be issued.</summary>
    public int WrongTriesPerCode { get; init; } = 5;

    /// <summary>What is out of range, one line each naming the setting; empty when all are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(errors, nameof(CodeMinutes), CodeMinutes, 1, 24 * 60);
        Check(errors, nameof(SessionHours), SessionHours, 1, 24 * 366);
        Check(errors, nameof(WrongCodesPerAddress), WrongCodesPerAddress, 1, 1000);
        Check(errors, nameof(WrongCodesGlobal), WrongCodesGlobal, 1, 100_000);
        Check(errors, nameof(WrongTriesPerCode), WrongTriesPerCode, 1, 1000);
        if (WrongCodeWindow <= TimeSpan.Zero || WrongCodeWindow > TimeSpan.FromDays(1))
        {
            errors.Add($"{nameof(WrongCodeWindow)} is {WrongCodeWindow}; it must be above zero and at most one day.");
        }

        return errors;
    }

    private static void Check(List<string> errors, string name, int value, int minimum, int maximum)
    {
        if (value < minimum || value > maximum)
        {
            errors.Add($"{name} is {value}; it must be {minimum} to {maximum}.");
        }
    }
}
