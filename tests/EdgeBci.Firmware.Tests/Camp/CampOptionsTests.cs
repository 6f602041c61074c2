using EdgeBci.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware.Tests.Camp;

public class CampOptionsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Test]
    public void The_defaults_are_the_shipped_protocol_and_base_model_installing_a_passed_model_at_real_time()
    {
        var options = CampOptions.Bind(Configuration(), "emulator", AppContext.BaseDirectory);

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(options.ProtocolPath(AppContext.BaseDirectory)), options.ProtocolPath(AppContext.BaseDirectory));
            Assert.That(Directory.Exists(options.BaseModelPath(AppContext.BaseDirectory)), options.BaseModelPath(AppContext.BaseDirectory));
            Assert.That(options.ReplayPacing, Is.EqualTo("RealTime"));
            Assert.That(options.InstallPassedModel, Is.True);
            Assert.That(options.ReplayedWearer, Is.Empty);
        });
    }

    [Test]
    public void Every_bad_value_is_named_by_its_key()
    {
        var configuration = Configuration(("Camp:ReplayPacing", "Fast"), ("Camp:ReplayedWearer:0", "no/such.edf"));

        Assert.That(() => CampOptions.Bind(configuration, "emulator", AppContext.BaseDirectory), Throws.ArgumentException
            .With.Message.Contains("Camp:ReplayPacing = 'Fast' is not allowed; allowed: RealTime | FreeRunning")
            .And.Message.Contains("Camp:ReplayedWearer has 1 recording")
            .And.Message.Contains("Camp:ReplayedWearer:0 = 'no/such.edf': no such recording"));
    }

    [Test]
    public void An_unknown_key_is_refused_by_name()
    {
        Assert.That(() => CampOptions.Bind(Configuration(("Camp:ReplayPace", "RealTime")), "emulator", AppContext.BaseDirectory),
            Throws.ArgumentException.With.Message.Contains("ReplayPace"));
    }

    [Test]
    public void Replayed_recordings_on_a_real_board_are_refused()
    {
        var configuration = Configuration(("Camp:ReplayedWearer:0", SharedData.Path("eegmmidb/S002/S002R04.edf")), ("Camp:ReplayedWearer:1", SharedData.Path("eegmmidb/S002/S002R08.edf")));

        Assert.That(() => CampOptions.Bind(configuration, "pi-hat", AppContext.BaseDirectory),
            Throws.ArgumentException.With.Message.Contains("Camp:ReplayedWearer: recordings stand in for the wearer on the emulator only (Board = pi-hat)"));
    }
}
