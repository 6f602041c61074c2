using System.Diagnostics;

namespace EdgeBci.Control.Tests;

/// <summary>The seeded runs every property test makes: scenarios 1..n in order, a failing one named by its seed.</summary>
internal static class PropertySeeds
{
    /// <summary>Runs each seed's scenario; on a failed assertion says which seed (<c>TRACE_SEED=n</c> replays it). Returns the time taken.</summary>
    public static TimeSpan Run(int count, string kind, Action<int> scenario)
    {
        var clock = Stopwatch.StartNew();
        for (var seed = 1; seed <= count; seed++)
        {
            try
            {
                scenario(seed);
            }
            catch (ResultStateException)
            {
                TestContext.Out.WriteLine($"{kind} seed {seed} failed (TRACE_SEED={seed} prints it tick by tick)");
                throw;
            }
        }

        return clock.Elapsed;
    }

    /// <summary>The run's figures, in the test's output and on the console while the suite runs.</summary>
    public static void Report(string report)
    {
        TestContext.Out.WriteLine(report);
        TestContext.Progress.WriteLine(report);
    }
}
