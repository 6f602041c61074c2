using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Pca9685;
using EdgeBci.Control.Supervision;
using EdgeBci.Control.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

/// <summary>The hand acknowledges a command only when the PCA9685's LEDn registers read back as written.</summary>
public class Pca9685ReadBackTests
{
    /// <summary>LED1 (the index finger by default) OFF_L: 0x06 + 4 + 2.</summary>
    private const byte IndexOffLow = 0x0C;

    private static (ProstheticHandActuator Hand, FakeI2cDevice Bus, FakeTimeProvider Time) Create()
    {
        var bus = new FakeI2cDevice();
        var time = new FakeTimeProvider();
        var hand = new ProstheticHandActuator(new Pca9685Device(bus), new HandOptions(), new CommandLimits(0.8, 0.3, 0.8), TimeSpan.FromMilliseconds(100), time);
        return (hand, bus, time);
    }

    [Test]
    public void A_register_that_did_not_take_its_value_is_not_acknowledged_and_is_described()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            var acknowledged = hand.Acknowledged;
            Assert.That(acknowledged, Is.Not.Null);

            bus.DeafRegisters.Add(IndexOffLow);
            time.Advance(TimeSpan.FromMilliseconds(50));
            hand.Heartbeat();
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            Assert.Multiple(() =>
            {
                Assert.That(hand.Acknowledged, Is.EqualTo(acknowledged), "not acknowledged");
                Assert.That(hand.ReadBackFailures, Is.EqualTo(1));
                // 1350 µs → 277 = 0x115 counts written; 0x10A (from 1300 µs) is still in OFF_L's place.
                Assert.That(hand.LastReadBackFailure, Does.Contain("joint index (LED1, registers 0x0A..)").And.Contain("wrote 00001501, read back 00000A01"));
            });

            bus.DeafRegisters.Clear();
            time.Advance(TimeSpan.FromMilliseconds(10));
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            Assert.That(hand.Acknowledged, Is.EqualTo(time.MonotonicNow()), "a later write that reads back acknowledges again");
        }
    }

    [Test]
    public void A_failed_read_back_is_not_acknowledged_and_does_not_throw()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            hand.Apply(ActuatorCommand.Hand(GripPattern.Open));
            var acknowledged = hand.Acknowledged;
            time.Advance(TimeSpan.FromMilliseconds(10));
            bus.FailNextReads = 1;
            Assert.DoesNotThrow(() => hand.Apply(ActuatorCommand.Hand(GripPattern.Open)));
            Assert.Multiple(() =>
            {
                Assert.That(hand.Acknowledged, Is.EqualTo(acknowledged));
                Assert.That(hand.ReadBackFailures, Is.EqualTo(1));
                Assert.That(hand.LastReadBackFailure, Does.Contain("reading back the LEDn registers from LED0 failed").And.Contain("NACK"));
                Assert.That(hand.Output.Grip, Is.EqualTo(GripPattern.Open), "the write itself went through");
            });
        }
    }

    [Test]
    public void A_chip_that_lost_its_registers_is_caught_even_while_the_hand_holds()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            for (var i = 0; i < 150; i++)
            {
                hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
                hand.Heartbeat();
                time.Advance(TimeSpan.FromMilliseconds(10));
            }

            Assert.That(hand.Model.AtTarget, "holding: no more writes");
            var acknowledged = hand.Acknowledged;

            // A brown-out resets the chip: every output full off (its power-on state), behind the driver's back.
            bus.Write([0xFA, 0, 0, 0, Pca9685Registers.FullBit]);
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            Assert.That(hand.Acknowledged, Is.EqualTo(acknowledged), "the registers no longer hold the grip");
            hand.Neutral();
            Assert.Multiple(() =>
            {
                Assert.That(hand.Acknowledged, Is.EqualTo(time.MonotonicNow()), "neutral rewrites the held positions, which read back");
                Assert.That(hand.ReadBackFailures, Is.EqualTo(1));
            });
        }
    }

    [Test]
    public void Neutral_before_any_movement_reads_back_full_off()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            bus.Write([0x09, 0x00]);
            bus.DeafRegisters.Add(0x09);
            time.Advance(TimeSpan.FromMilliseconds(10));
            hand.Neutral();
            Assert.That(hand.ReadBackFailures, Is.EqualTo(1), "LED0 is not full off although ALL_LED said so");
            Assert.That(hand.LastReadBackFailure, Does.Contain("joint thumb (LED0").And.Contain("wrote 00000010, read back 00000000"));
        }
    }

    [Test]
    public void Through_the_pipeline_a_hand_that_does_not_read_back_is_stopped_by_ActuatorNoAck()
    {
        var bus = new FakeI2cDevice();
        var options = new ControlOptions { Actuator = ActuatorKinds.ProstheticHand };
        var bench = new Bench(options, (o, time) => new ProstheticHandActuator(new Pca9685Device(bus), o.Hand, CommandLimits.From(o), o.HeartbeatTimeout, time));
        bench.ArmAndMove("right");
        var hand = (ProstheticHandActuator)bench.Actuator!;
        Assert.That(hand.Model.AtTarget, Is.False, "still closing");

        bus.DeafRegisters.Add(IndexOffLow);
        var faultAt = bench.Now - bench.Period + TimeSpan.FromTicks(1);
        var (output, neutralAt) = bench.RunUntil(o => o.State == SupervisorState.SafeStop, TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ActuatorNoAck));
            Assert.That(output.Command.IsNeutral);
            Assert.That(neutralAt - faultAt, Is.LessThanOrEqualTo(options.ActuatorAckTimeout + bench.Period));
            Assert.That(hand.ReadBackFailures, Is.GreaterThan(0));
        });
    }
}
