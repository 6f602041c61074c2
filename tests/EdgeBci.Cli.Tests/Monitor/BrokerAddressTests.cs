using EdgeBci.Cli.Monitor;

namespace EdgeBci.Cli.Tests.Monitor;

public class BrokerAddressTests
{
    [TestCase("broker.local", "broker.local", 1883, false)]
    [TestCase("broker.local:1884", "broker.local", 1884, false)]
    [TestCase("mqtt://10.0.0.5:1999", "10.0.0.5", 1999, false)]
    [TestCase("mqtts://broker.local", "broker.local", 8883, true)]
    [TestCase("mqtts://broker.local:9883", "broker.local", 9883, true)]
    [TestCase("[::1]:1883", "::1", 1883, false)]
    public void Parses_the_forms_an_engineer_types(string text, string host, int port, bool tls)
    {
        var address = BrokerAddress.Parse(text);
        Assert.That((address.Host, address.Port, address.Tls), Is.EqualTo((host, port, tls)));
    }

    [Test]
    public void Names_an_ipv6_broker_with_brackets() =>
        Assert.That(BrokerAddress.Parse("[::1]:1883").ToString(), Is.EqualTo("[::1]:1883"));

    [TestCase("ws://broker:80", "scheme 'ws'")]
    [TestCase("broker:notaport", "not a host")]
    [TestCase("mqtt://user:secret@broker:1883", "only the host and port")]
    [TestCase("mqtt://broker:1883/path", "only the host and port")]
    [TestCase("broker:0", "port 0")]
    [TestCase(" ", "--broker: give a host")]
    public void Rejects_what_is_not_a_broker_address_naming_the_option(string text, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => BrokerAddress.Parse(text));
        Assert.That(error!.Message, Does.StartWith("--broker").And.Contain(reason));
    }
}
