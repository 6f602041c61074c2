using EdgeBci.Web.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Web.Tests.Hosting;

[TestFixture]
public sealed class WebOptionsTests
{
    [Test]
    public void The_defaults_serve_the_page_on_the_emulator_only_on_loopback_port_8080()
    {
        var options = WebOptions.Bind(Configuration());
        Assert.Multiple(() =>
        {
            Assert.That(options.Enabled, Is.Null);
            Assert.That(options.IsEnabledOn("emulator"), Is.True, "make run serves the page");
            Assert.That(options.IsEnabledOn("rpi5"), Is.False, "a real board serves it only when configured");
            Assert.That(options.Address, Is.EqualTo("127.0.0.1"));
            Assert.That(options.Port, Is.EqualTo(8080));
            Assert.That(options.IsLoopback, Is.True);
            Assert.That(options.StreamQueueLength, Is.EqualTo(64));
            Assert.That(options.TraceDisplayRate, Is.EqualTo(125));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [Test]
    public void Beyond_loopback_without_a_certificate_is_refused_naming_the_key()
    {
        var error = Assert.Throws<ArgumentException>(() => WebOptions.Bind(Configuration(("Address", "0.0.0.0"))));
        Assert.That(error!.Message, Does.Contain("Web:CertificatePath is empty").And.Contain("'0.0.0.0'").And.Contain("HTTPS"));
    }

    [Test]
    public void A_missing_certificate_file_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => WebOptions.Bind(Configuration(("Address", "0.0.0.0"), ("CertificatePath", "/nowhere/unit.pfx"))));
        Assert.That(error!.Message, Does.Contain("Web:CertificatePath is '/nowhere/unit.pfx': no such file"));
    }

    [TestCase("Port", "70000", "Web:Port is 70000: use 0 to 65535")]
    [TestCase("StreamQueueLength", "1", "Web:StreamQueueLength is 1: use 4 to 4096")]
    [TestCase("SessionHours", "0", "Web:SessionHours is 0: use 1 to 720")]
    [TestCase("PairingCodeMinutes", "120", "Web:PairingCodeMinutes is 120: use 1 to 60")]
    [TestCase("TraceBatchesPerSecond", "0", "Web:TraceBatchesPerSecond is 0: use 1 to 30")]
    [TestCase("Address", "unit.local", "Web:Address is 'unit.local': use an IP address")]
    public void A_value_out_of_range_names_the_key_and_the_range(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => WebOptions.Bind(Configuration((key, value))));
        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    public void An_unknown_key_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => WebOptions.Bind(Configuration(("Prot", "8081"))));
        Assert.That(error!.Message, Does.Contain("Prot").And.Contain("'Web'"));
    }

    [Test]
    public void A_display_rate_above_the_sample_rate_is_refused_by_name()
    {
        var options = new WebOptions { TraceDisplayRate = 500 };
        var error = Assert.Throws<ArgumentException>(() => options.ValidateAgainstSampleRate(250));
        Assert.That(error!.Message, Does.Contain("Web:TraceDisplayRate is 500: use 1 to the front-end's sample rate (250)"));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"Web:{v.Key}", v.Value)))
            .Build();
}
