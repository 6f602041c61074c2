using System.CommandLine;
using Spectre.Console;

namespace EdgeBci.Cli.Release;

/// <summary>
/// <c>edgebci release ...</c>: the signed firmware releases. The group only gathers its commands; each family of them
/// (signing and verifying bundles, the unit's slots) lives in a file of its own.
/// </summary>
internal static class ReleaseCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var group = new Command("release", "Signed firmware releases: make a signing key, sign a staged release into a bundle, verify a bundle as the unit does; on the unit, the A/B slots' status, commit and rollback.");
        ReleaseSigningCommands.Add(group, output);
        ReleaseSlotCommands.Add(group, output);
        return group;
    }
}
