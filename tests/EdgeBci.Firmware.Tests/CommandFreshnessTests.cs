using EdgeBci.Tests.Shared.Mosquitto;
using static EdgeBci.Firmware.Tests.RemoteCommandClient;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// A retained command on a persistent fleet broker (real mosquitto with the deployed ACL) is replayed to the unit at
/// every boot: a retained disarm is refused and answered, a retained stop is honoured.
/// </summary>
[NonParallelizable]
public sealed class CommandFreshnessTests
{
    private const string Unit = "unit-1";

    [Test]
    public async Task At_boot_a_retained_disarm_on_the_fleet_broker_is_refused_and_answered_and_a_retained_stop_is_honoured()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(broker, "dashboard");
        await dashboard.SubscribeAsync("edgebci/v1/replies/dashboard/#");
        var disarm = NewCorrelation();
        var stop = NewCorrelation();
        await dashboard.Client.PublishAsync(Request(Unit, "disarm", "{}", "dashboard", disarm, retain: true));
        await dashboard.Client.PublishAsync(Request(Unit, "stop", "{}", "dashboard", stop, expirySeconds: 0, retain: true));

        var certificate = broker.ClientCertificate(Unit);
        using var firmware = new FirmwareProcess($"--Mqtt:Broker=mqtts://127.0.0.1:{broker.TlsPort}", $"--Mqtt:DeviceId={Unit}",
            $"--Mqtt:CaCertificate={broker.AuthorityPemPath}", $"--Mqtt:ClientCertificate={certificate.CertificatePath}", $"--Mqtt:ClientKey={certificate.KeyPath}");
        var disarmAnswer = Json(await dashboard.WaitForAsync(m => IsAnswerTo(m, disarm), "the replayed disarm's answer", TimeSpan.FromSeconds(60)));
        var stopAnswer = Json(await dashboard.WaitForAsync(m => IsAnswerTo(m, stop), "the replayed stop's answer", TimeSpan.FromSeconds(30)));
        TestContext.Out.WriteLine($"retained disarm at boot: {disarmAnswer.GetRawText()}\nretained stop at boot: {stopAnswer.GetRawText()}");
        // The answer goes out from the supervisor's tick; the console logger's queue may print its line after it.
        firmware.WaitUntil(o => o.Contains("remote: Stop requested", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(Error(disarmAnswer), Is.EqualTo("retained"), disarmAnswer.GetRawText());
            Assert.That(stopAnswer.GetProperty("ok").GetBoolean(), Is.True, stopAnswer.GetRawText());
            Assert.That(firmware.Output, Does.Not.Contain("remote: Disarm requested"), "the retained disarm never reached the supervisor");
            Assert.That(firmware.Output, Does.Contain("remote: Stop requested"));
        });
    }
}
