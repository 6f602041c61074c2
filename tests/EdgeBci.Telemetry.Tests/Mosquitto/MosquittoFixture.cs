using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

/// <summary>One real mosquitto (the deployed ACL, mutual TLS and password listeners) for every test of a fixture; its log is printed when a test fails.</summary>
[NonParallelizable]
public abstract class MosquittoFixture
{
    private MosquittoBroker? _broker;

    private protected MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("the broker starts in OneTimeSetUp");

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await MosquittoBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker?.WriteLogIfFailed();
}
