using System.Net;
using System.Text;

namespace EdgeBci.Web.Tests.Hosting;

[TestFixture]
public sealed class SameOriginGuardTests : PairedServerFixture
{
    [Test]
    public async Task A_post_that_a_foreign_form_could_send_is_refused_before_it_acts()
    {
        using var form = new StringContent("x=1", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var answer = await Client.PostAsync(new Uri("/api/stop", UriKind.Relative), form);
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Contain("send application/json"));
            Assert.That(Harness.Stop.Requests, Is.Zero);
        });
    }

    [TestCase("Origin", "http://evil.example")]
    [TestCase("Sec-Fetch-Site", "cross-site")]
    [TestCase("Sec-Fetch-Site", "same-site")]
    public async Task A_post_from_another_origin_is_refused(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/camp/cancel", UriKind.Relative))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(header, value);
        using var answer = await Client.SendAsync(request);
        Assert.Multiple(async () =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Contain(value));
            Assert.That(Harness.Camp.Cancels, Is.Zero);
        });
    }

    [Test]
    public async Task A_post_from_the_page_itself_passes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/camp/cancel", UriKind.Relative))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", Harness.Address.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        using var answer = await Client.SendAsync(request);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
