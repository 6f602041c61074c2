using System.Net;
using EdgeBci.Web.Tests.Hosting;

namespace EdgeBci.Web.Tests.Api;

[TestFixture]
public sealed class CurrentRunTests
{
    [Test]
    public async Task Before_the_first_run_current_is_204()
    {
        await using var harness = await PageServerHarness.Start();
        var client = await harness.PairedClient();
        using var answer = await client.GetAsync(new Uri("/api/camp/current", UriKind.Relative));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
