using EdgeBci.Tests.Shared.Mosquitto;
using NUnit.Framework.Interfaces;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

internal static class BrokerDiagnostics
{
    /// <summary>Puts mosquitto's log into the output of a failed test: the broker's side of what went wrong.</summary>
    public static void WriteLogIfFailed(this MosquittoBroker broker)
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed)
        {
            TestContext.Out.WriteLine($"mosquitto log ({broker.ConfigPath}):");
            TestContext.Out.WriteLine(broker.Log);
        }
    }
}
