namespace EdgeBci.Web.Tests.Browser;

/// <summary>
/// Where the system Chromium is: $EDGEBCI_CHROMIUM, then <c>chromium</c> on PATH, then Debian's /usr/bin/chromium (the
/// order .ci/chromium uses). The tests never download a browser: a missing one is a failure that says how to install it.
/// </summary>
internal static class ChromiumBinary
{
    public const string InstallHint = "Run .ci/chromium (it installs Debian's chromium package) or set EDGEBCI_CHROMIUM to a Chromium binary.";

    public static string Find() =>
        Find(Environment.GetEnvironmentVariable("EDGEBCI_CHROMIUM"), Environment.GetEnvironmentVariable("PATH"), "/usr/bin/chromium");

    /// <summary>The lookup itself, given what the environment says, so a test can check each case without touching the process's environment.</summary>
    public static string Find(string? configured, string? path, string debianDefault)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new FileNotFoundException($"EDGEBCI_CHROMIUM={configured} does not exist. {InstallHint}", configured);
        }

        foreach (var folder in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, "chromium");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return File.Exists(debianDefault)
            ? debianDefault
            : throw new FileNotFoundException($"Chromium was not found on PATH nor at {debianDefault}. {InstallHint}", debianDefault);
    }
}
