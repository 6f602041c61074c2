using EdgeBci.Acquisition.Configuration;
using EdgeBci.Release.Slots;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>The trial of a newly installed release (section "Release"): where the slot guard's files are, and how long the firmware has to prove it is healthy.</summary>
internal sealed class ReleaseOptions
{
    public const string Section = "Release";

    /// <summary>The folder of the guard's <c>state</c> and the firmware's <c>good</c> and <c>health</c>.</summary>
    public string StateFolder { get; set; } = ReleaseFiles.DefaultStateFolder;

    /// <summary>How long a trial must stay healthy without a break before the firmware marks it good (s).</summary>
    public int HealthHoldSeconds { get; set; } = 60;

    /// <summary>How long a start of a trial may take to hold healthy; past it the firmware exits with code 7 (s).</summary>
    public int HealthDeadlineSeconds { get; set; } = 300;

    /// <exception cref="ArgumentException">A Release key is unknown or invalid (named, with what is allowed).</exception>
    public static ReleaseOptions Bind(IConfiguration configuration)
    {
        var options = AcquisitionSettings.BindSection<ReleaseOptions>(configuration, Section);
        var problems = options.Validate();
        return problems.Count == 0 ? options : throw new ArgumentException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>Every value out of range, by key (unknown keys are refused when the section is bound).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(StateFolder))
        {
            problems.Add($"{Section}:StateFolder is empty: name the slot guard's state folder (default {ReleaseFiles.DefaultStateFolder})");
        }

        if (HealthHoldSeconds is < 1 or > 3600)
        {
            problems.Add($"{Section}:HealthHoldSeconds = {HealthHoldSeconds}: use 1 to 3600");
        }

        if (HealthDeadlineSeconds is < 2 or > 86_400 || HealthDeadlineSeconds <= HealthHoldSeconds)
        {
            problems.Add($"{Section}:HealthDeadlineSeconds = {HealthDeadlineSeconds}: use more than HealthHoldSeconds ({HealthHoldSeconds}) and at most 86400");
        }

        return problems;
    }
}
