using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Pca9685;
using EdgeBci.Control.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

public class Pca9685Tests
{
    private static (ProstheticHandActuator Hand, FakeI2cDevice Bus, FakeTimeProvider Time) Create(HandOptions? options = null)
    {
        var bus = new FakeI2cDevice();
        var time = new FakeTimeProvider();
        var hand = new ProstheticHandActuator(new Pca9685Device(bus), options ?? new HandOptions(), new CommandLimits(0.8, 0.3, 0.8), TimeSpan.FromMilliseconds(100), time);
        return (hand, bus, time);
    }

    [Test]
    public void Prescale_and_pulse_counts_follow_the_datasheet()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Pca9685Registers.Prescale(50), Is.EqualTo(121), "round(25 MHz / (4096 × 50 Hz)) − 1");
            Assert.That(Pca9685Registers.Frequency(121), Is.EqualTo(50.03).Within(0.005));
            Assert.That(Pca9685Registers.Counts(1500, 121), Is.EqualTo(307), "1500 µs × 25 / 122");
            Assert.That(Pca9685Registers.Counts(1000, 121), Is.EqualTo(205));
            Assert.That(Pca9685Registers.Counts(2000, 121), Is.EqualTo(410));
            Assert.That(Pca9685Registers.LedOnLow(15), Is.EqualTo((Pca9685Register)0x42));
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => Pca9685Registers.Prescale(2000));
    }

    [Test]
    public void Initialization_sets_the_prescale_while_asleep_with_every_output_off()
    {
        var (hand, bus, _) = Create();
        using (hand)
        {
            Assert.That(bus.Writes.Take(7), Is.EqualTo(new[]
            {
                new byte[] { 0x00, 0x30 },                  // MODE1 = SLEEP | AI: oscillator off
                new byte[] { 0xFA, 0x00, 0x00, 0x00, 0x10 }, // ALL_LED: full off
                new byte[] { 0xFE, 121 },                   // PRE_SCALE, accepted only while asleep
                new byte[] { 0x01, 0x04 },                  // MODE2 = OUTDRV (totem pole)
                new byte[] { 0x00, 0x20 },                  // MODE1 = AI: wake
                new byte[] { 0xFE },                        // read back PRE_SCALE
                new byte[] { 0x00 },                        // read back MODE1
            }));
            Assert.Multiple(() =>
            {
                Assert.That(bus.BlockedPrescaleWrites, Is.Zero);
                Assert.That(bus.Register(Pca9685Register.PRE_SCALE), Is.EqualTo(121));
                Assert.That(bus.Sleeping, Is.False);
                Assert.That(Enumerable.Range(0, 16).All(channel => bus.OffCounts(channel) is null), "no pulses yet");
            });
        }
    }

    [Test]
    public void A_prescale_written_while_awake_is_ignored_by_the_chip_and_caught_by_the_read_back()
    {
        var bus = new FakeI2cDevice();
        bus.Write([(byte)Pca9685Register.MODE1, (byte)Pca9685Mode1.AI]);
        bus.Write([(byte)Pca9685Register.PRE_SCALE, 121]);
        Assert.That(bus.BlockedPrescaleWrites, Is.EqualTo(1));
        Assert.That(bus.Register(Pca9685Register.PRE_SCALE), Is.EqualTo(0x1E));
    }

    [Test]
    public void Switch_on_and_neutral_before_any_movement_send_no_pulses()
    {
        var (hand, bus, _) = Create();
        using (hand)
        {
            hand.Neutral();
            Assert.That(bus.Writes[^2], Is.EqualTo(new byte[] { 0xFA, 0, 0, 0, 0x10 }));
            Assert.That(bus.Writes[^1], Is.EqualTo(new byte[] { 0x06 }), "then the joints' registers are read back");
            Assert.That(hand.Energized, Is.False);
            Assert.That(hand.ReadBackFailures, Is.Zero);
        }
    }

    [Test]
    public void A_grip_moves_each_joint_at_its_rate_and_sends_the_exact_pulse_bytes()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            var before = bus.Writes.Count;
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            // First command: the assumed rest posture (0.3 → 1300 µs → 266 = 0x10A counts) on channels 0..4, then one
            // auto-increment read of LED0..LED4 from 0x06.
            Assert.That(bus.Writes.Skip(before), Is.EqualTo(new[]
            {
                new byte[] { 0x06, 0x00, 0x00, 0x0A, 0x01 },
                new byte[] { 0x0A, 0x00, 0x00, 0x0A, 0x01 },
                new byte[] { 0x0E, 0x00, 0x00, 0x0A, 0x01 },
                new byte[] { 0x12, 0x00, 0x00, 0x0A, 0x01 },
                new byte[] { 0x16, 0x00, 0x00, 0x0A, 0x01 },
                new byte[] { 0x06 },
            }));
            Assert.That(hand.Acknowledged, Is.EqualTo(time.MonotonicNow()), "read back as written: acknowledged");

            // 50 ms at 1 position/s: 0.35 → 1350 µs → 277 counts.
            time.Advance(TimeSpan.FromMilliseconds(50));
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            Assert.That(bus.OffCounts(1), Is.EqualTo(277));
            Assert.That(bus.OnCounts(1), Is.Zero);

            for (var i = 0; i < 100; i++)
            {
                var previous = hand.Model.Positions.ToArray();
                hand.Heartbeat();
                time.Advance(TimeSpan.FromMilliseconds(10));
                hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
                var moved = hand.Model.Positions.Zip(previous, (now, then) => Math.Abs(now - then)).Max();
                Assert.That(moved, Is.LessThanOrEqualTo(0.01 + 1e-12), "rate limit: 1 position/s over 10 ms");
            }

            Assert.Multiple(() =>
            {
                Assert.That(hand.Model.AtTarget);
                Assert.That(bus.OffCounts(0), Is.EqualTo(Pca9685Registers.Counts(1800, 121)), "thumb closes to 0.8");
                Assert.That(bus.OffCounts(1), Is.EqualTo(410), "fingers close to 2000 µs");
            });
        }
    }

    [Test]
    public void Per_joint_limits_bound_every_pattern()
    {
        var options = new HandOptions { Joints = HandOptions.DefaultJoints };
        options.Joints[1].MaxPosition = 0.6;
        options.Joints[2].MinPosition = 0.2;
        var (hand, bus, time) = Create(options);
        using (hand)
        {
            for (var i = 0; i < 300; i++)
            {
                hand.Apply(ActuatorCommand.Hand(i < 150 ? GripPattern.Close : GripPattern.Open));
                hand.Heartbeat();
                time.Advance(TimeSpan.FromMilliseconds(10));
                Assert.That(hand.Model.Positions[1], Is.LessThanOrEqualTo(0.6));
                Assert.That(hand.Model.Positions[2], Is.GreaterThanOrEqualTo(0.2));
            }

            Assert.That(bus.OffCounts(2), Is.EqualTo(Pca9685Registers.Counts(1200, 121)), "middle finger opens no further than 0.2");
        }
    }

    [Test]
    public void Neutral_holds_every_joint_where_it_is()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            for (var i = 0; i < 30; i++)
            {
                hand.Apply(ActuatorCommand.Hand(GripPattern.Open));
                hand.Heartbeat();
                time.Advance(TimeSpan.FromMilliseconds(10));
            }

            var held = bus.OffCounts(1);
            hand.Neutral();
            time.Advance(TimeSpan.FromSeconds(1));
            hand.Neutral();
            Assert.Multiple(() =>
            {
                Assert.That(bus.OffCounts(1), Is.EqualTo(held).And.Not.Null, "neither opening nor closing, still driven");
                Assert.That(hand.Model.Grip, Is.Null);
            });
        }
    }

    [Test]
    public void A_failed_write_holds_the_hand_and_the_error_propagates()
    {
        var (hand, bus, time) = Create();
        using (hand)
        {
            hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
            time.Advance(TimeSpan.FromMilliseconds(40));
            bus.FailNextWrites = 1;
            Assert.Throws<IOException>(() => hand.Apply(ActuatorCommand.Hand(GripPattern.Close)));
            Assert.Multiple(() =>
            {
                Assert.That(hand.Output.IsNeutral);
                Assert.That(hand.Model.Grip, Is.Null, "holding");
                Assert.That(hand.Model.AtTarget);
            });
        }
    }

    [Test]
    public void The_heartbeat_watchdog_holds_the_hand_and_dispose_turns_every_output_off()
    {
        var (hand, bus, time) = Create();
        hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
        hand.Heartbeat();
        time.Advance(TimeSpan.FromMilliseconds(130));
        Assert.That(hand.WatchdogTripped);
        Assert.That(hand.Model.Grip, Is.Null);

        hand.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 16).All(channel => bus.OffCounts(channel) is null), "no pulses after dispose");
            Assert.That(bus.Sleeping);
            Assert.That(bus.Writes[^2], Is.EqualTo(new byte[] { 0xFA, 0, 0, 0, 0x10 }));
            Assert.That(bus.Disposed);
        });
    }
}
