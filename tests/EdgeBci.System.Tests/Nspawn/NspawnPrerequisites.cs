namespace EdgeBci.SystemTests.Nspawn;

/// <summary>What every container test needs from the host; a missing piece fails with how to get it.</summary>
internal static class NspawnPrerequisites
{
    public static void Check()
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail("the nspawn system tests boot containers and must run as root (make system-test)");
        }

        foreach (var tool in new[] { "/usr/bin/systemd-nspawn", "/usr/bin/mmdebstrap", "/usr/bin/nsenter" })
        {
            if (!File.Exists(tool))
            {
                Assert.Fail($"{tool} is missing; bash .ci/system-packages installs it (make system-test runs it)");
            }
        }
    }
}
