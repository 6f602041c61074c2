using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>The model the unit was armed with is named, and a different one while armed is a ModelFault STOP.</summary>
public class ModelIdentityTests
{
    [Test]
    public void The_armed_event_names_the_model_and_the_supervisor_exposes_it_until_disarmed_and_stopped()
    {
        var bench = new Bench();
        bench.World.ModelIdentity = "eegmmidb-lr v3";
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.That(bench.Supervisor.ArmedModel, Is.Null, "not armed");
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        var armed = bench.Tick();
        Assert.That(armed.Events.Single().Message, Does.Contain("with model 'eegmmidb-lr v3'"));
        Assert.That(bench.Supervisor.ArmedModel, Is.EqualTo("eegmmidb-lr v3"));

        bench.World.Request(RequestKind.Disarm, RequestOrigin.LocalCli);
        bench.Tick();
        Assert.That(bench.Supervisor.ArmedModel, Is.Null);
    }

    [Test]
    public void Arming_is_refused_while_the_model_identity_is_unknown()
    {
        var bench = new Bench();
        bench.World.ModelIdentity = null;
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        var refusal = bench.Tick().Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(refusal.Reason, Is.EqualTo(SupervisorReason.ArmRefused));
            Assert.That(refusal.Message, Does.Contain("identity").And.Contain(nameof(SupervisorReason.ModelFault)));
        });
    }

    [TestCase("eegmmidb-lr v4")]
    [TestCase("other-model v3")]
    [TestCase(null)]
    public void A_model_change_while_active_is_a_ModelFault_neutral_in_the_same_tick(string? swapped)
    {
        var bench = new Bench();
        bench.World.ModelIdentity = "eegmmidb-lr v3";
        bench.ArmAndMove();
        bench.World.ModelIdentity = swapped;
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ModelFault));
            Assert.That(output.Events.Single().Message, Does.Contain("eegmmidb-lr v3"));
            Assert.That(bench.Supervisor.ArmedModel, Is.Null);
        });
    }

    [Test]
    public void A_model_change_while_armed_and_still_is_a_ModelFault_too()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.RunFor(TimeSpan.FromMilliseconds(200));
        bench.World.ModelIdentity = "bench-model v2";
        var output = bench.Tick();
        Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ModelFault));
        Assert.That(output.Events.Single().Message, Does.Contain("from 'bench-model v1' to 'bench-model v2'"));
        Assert.That(bench.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.ModelFault));
    }

    [Test]
    public void A_swap_while_disarmed_is_no_fault_and_the_next_arm_names_the_new_model()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.ModelIdentity = "bench-model v2";
        bench.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.That(bench.Events.Where(e => e.Reason != SupervisorReason.SwitchOn), Is.Empty);
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        Assert.That(bench.Tick().Events.Single().Message, Does.Contain("'bench-model v2'"));
    }

    [Test]
    public void ControlInputs_report_the_model_trimmed_and_blank_as_unknown()
    {
        var inputs = new ControlInputs();
        Assert.That(inputs.Snapshot().ModelIdentity, Is.Null, "unknown until reported");
        inputs.SetModel("  eegmmidb-lr v3 ");
        Assert.That(inputs.Snapshot().ModelIdentity, Is.EqualTo("eegmmidb-lr v3"));
        inputs.SetModel(" ");
        Assert.That(inputs.Snapshot().ModelIdentity, Is.Null);
    }
}
