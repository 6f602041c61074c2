using EdgeBci.Control.Deadman;

namespace EdgeBci.Control.Tests;

/// <summary>The retriggerable monostable the emulation runs, against the '123's function table.</summary>
public class DeadmanCircuitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>A circuit with CLR released at 0 (the pulse line low), as the driver leaves it before its first edge.</summary>
    private static DeadmanCircuit Released()
    {
        var circuit = new DeadmanCircuit(Timeout);
        circuit.SetClear(TimeSpan.Zero, high: true);
        return circuit;
    }

    [Test]
    public void The_enable_is_off_at_power_up_and_releasing_the_clear_line_with_the_pulse_low_does_not_turn_it_on()
    {
        var circuit = Released();
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(50)), Is.False);
            Assert.That(circuit.Triggers, Is.Zero);
            Assert.That(circuit.LastDrop, Is.Null);
        });
    }

    [Test]
    public void A_rising_edge_holds_the_enable_for_exactly_the_timeout_and_a_falling_edge_does_not_retrigger()
    {
        var circuit = Released();
        circuit.SetPulse(Ms(10), high: true);
        circuit.SetPulse(Ms(60), high: false);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(109.9)), Is.True);
            Assert.That(circuit.EnabledUntil, Is.EqualTo(Ms(110)));
            Assert.That(circuit.Evaluate(Ms(110)), Is.False, "off when the timeout has run out after the rising edge, the falling one notwithstanding");
            Assert.That(circuit.LastDrop, Is.EqualTo(new DeadmanDrop(Ms(110), DeadmanDropReason.Timeout, Ms(10))));
        });
    }

    [Test]
    public void Rising_edges_every_twenty_milliseconds_keep_it_on_and_it_drops_a_timeout_after_the_last()
    {
        var circuit = Released();
        var high = false;
        for (var t = 10; t <= 1000; t += 10)
        {
            high = !high;
            circuit.SetPulse(Ms(t), high);
            Assert.That(circuit.Evaluate(Ms(t + 5)), Is.True, $"on at {t + 5} ms");
        }

        var lastRising = high ? Ms(1000) : Ms(990);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(lastRising + Timeout - TimeSpan.FromTicks(1)), Is.True);
            Assert.That(circuit.Evaluate(lastRising + Timeout), Is.False);
            Assert.That(circuit.LastDrop!.Value.At - circuit.LastDrop.Value.LastTrigger!.Value, Is.EqualTo(Timeout));
            Assert.That(circuit.Triggers, Is.EqualTo(50));
        });
    }

    [Test]
    public void The_clear_line_drops_the_enable_at_once_and_blocks_triggers_while_low()
    {
        var circuit = Released();
        circuit.SetPulse(Ms(10), high: true);
        circuit.SetClear(Ms(30), high: false);
        circuit.SetPulse(Ms(40), high: false);
        circuit.SetPulse(Ms(50), high: true);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(51)), Is.False);
            Assert.That(circuit.LastDrop, Is.EqualTo(new DeadmanDrop(Ms(30), DeadmanDropReason.Cleared, Ms(10))));
            Assert.That(circuit.Triggers, Is.EqualTo(1), "the edge while CLR was low was ignored");
        });
    }

    [Test]
    public void Releasing_the_clear_line_while_the_pulse_line_is_high_triggers_as_the_part_does()
    {
        var circuit = new DeadmanCircuit(Timeout);
        circuit.SetPulse(Ms(5), high: true);
        circuit.SetClear(Ms(10), high: true);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(11)), Is.True);
            Assert.That(circuit.EnabledUntil, Is.EqualTo(Ms(110)));
        });
    }

    [Test]
    public void Without_a_clear_line_only_the_timeout_drops_it()
    {
        var circuit = new DeadmanCircuit(Timeout, clearWired: false);
        circuit.SetPulse(Ms(10), high: true);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(50)), Is.True);
            Assert.That(() => circuit.SetClear(Ms(60), high: false), Throws.InvalidOperationException);
            Assert.That(circuit.Evaluate(Ms(110)), Is.False);
        });
    }

    [Test]
    public void An_edge_that_arrives_late_while_the_enable_is_on_stretches_it_from_its_own_time()
    {
        var circuit = Released();
        circuit.SetPulse(Ms(10), high: true);
        Assert.That(circuit.Evaluate(Ms(100)), Is.True);
        circuit.SetPulse(Ms(90), high: false);
        circuit.SetPulse(Ms(95), high: true);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.EnabledUntil, Is.EqualTo(Ms(195)));
            Assert.That(circuit.LateEdges, Is.Zero);
        });
    }

    [Test]
    public void An_edge_from_before_a_recorded_drop_does_not_turn_the_enable_back_on()
    {
        var circuit = Released();
        circuit.SetPulse(Ms(10), high: true);
        Assert.That(circuit.Evaluate(Ms(200)), Is.False, "dropped at 110 ms");
        circuit.SetPulse(Ms(100), high: false);
        circuit.SetPulse(Ms(105), high: true);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(201)), Is.False);
            Assert.That(circuit.LateEdges, Is.EqualTo(1));
            Assert.That(circuit.LastDrop!.Value.At, Is.EqualTo(Ms(110)));
        });
    }

    [Test]
    public void An_edge_after_the_recorded_drop_enables_again_even_when_it_arrives_late()
    {
        var circuit = Released();
        circuit.SetPulse(Ms(10), high: true);
        Assert.That(circuit.Evaluate(Ms(150)), Is.False);
        circuit.SetPulse(Ms(120), high: false);
        circuit.SetPulse(Ms(140), high: true);
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(151)), Is.True);
            Assert.That(circuit.EnabledUntil, Is.EqualTo(Ms(240)));
            Assert.That(circuit.LateEdges, Is.Zero);
        });
    }

    [Test]
    public void Inputs_out_of_time_order_are_refused()
    {
        var circuit = Released();
        circuit.SetPulse(Ms(20), high: true);
        Assert.That(() => circuit.SetPulse(Ms(10), high: false), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
