namespace EdgeBci.Web.Tests.Hosting;

/// <summary>A fixture's page server on loopback with its fake seams, and one browser already paired with it.</summary>
public abstract class PairedServerFixture
{
    private protected PageServerHarness Harness { get; private set; } = null!;

    private protected HttpClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Harness = await PageServerHarness.Start();
        Client = await Harness.PairedClient();
    }

    [OneTimeTearDown]
    public async Task StopServer() => await Harness.DisposeAsync();
}
