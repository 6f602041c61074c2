using System.Device.Gpio;
using EdgeBci.Control.Deadman;
using EdgeBci.Control.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

/// <summary>The deadman line's writes, and what the circuit makes of them.</summary>
public class DeadmanLineTests
{
    private const int Pulse = 17;
    private const int Clear = 27;
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(75);

    /// <summary>The control clock, at 0 when each test starts (NUnit keeps one fixture instance for all of them).</summary>
    private FakeTimeProvider _clock = null!;

    [SetUp]
    public void StartTheClock() => _clock = new FakeTimeProvider(new DateTimeOffset(0, TimeSpan.Zero));

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private DeadmanLine Line(FakeGpioDriver gpio, int clear = Clear, bool shouldDispose = true) =>
        new(new GpioController(gpio), Pulse, clear, Timeout, _clock, shouldDispose);

    /// <summary>The clock moved on to <paramref name="milliseconds"/>, then one toggle.</summary>
    private DeadmanToggle ToggleAt(DeadmanLine line, double milliseconds)
    {
        _clock.Advance(Ms(milliseconds) - _clock.MonotonicNow());
        return line.Toggle();
    }

    [Test]
    public void Both_lines_open_low_so_the_enable_is_off_until_the_first_toggle()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        Assert.Multiple(() =>
        {
            Assert.That(gpio.Mode(Pulse), Is.EqualTo(PinMode.Output));
            Assert.That(gpio.Mode(Clear), Is.EqualTo(PinMode.Output));
            Assert.That(gpio.Level(Pulse), Is.EqualTo(PinValue.Low));
            Assert.That(gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(line.Holding, Is.False);
        });
    }

    [Test]
    public void The_first_toggle_releases_the_clear_line_and_then_raises_the_pulse_line_each_toggle_flips_it()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        gpio.Writes.Clear();
        ToggleAt(line, 10);
        ToggleAt(line, 20);
        ToggleAt(line, 30);
        Assert.Multiple(() =>
        {
            Assert.That(gpio.Writes, Is.EqualTo(new[] { (Clear, PinValue.High), (Pulse, PinValue.High), (Pulse, PinValue.Low), (Pulse, PinValue.High) }));
            Assert.That(line.LastToggle, Is.EqualTo(Ms(30)));
            Assert.That(line.LastRisingEdge, Is.EqualTo(Ms(30)));
            Assert.That(line.Toggles, Is.EqualTo(3));
        });
    }

    [Test]
    public void Disable_asserts_clear_first_then_rests_the_pulse_line_and_a_later_toggle_enables_again_from_low()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        ToggleAt(line, 10);
        gpio.Writes.Clear();
        line.Disable();
        line.Disable();
        Assert.That(gpio.Writes, Is.EqualTo(new[] { (Clear, PinValue.Low), (Pulse, PinValue.Low) }), "written once, on the transition");
        Assert.That(line.Holding, Is.False);
        Assert.That(line.LastRisingEdge, Is.Null);

        gpio.Writes.Clear();
        Assert.That(ToggleAt(line, 50), Is.EqualTo(DeadmanToggle.Toggled));
        Assert.That(gpio.Writes, Is.EqualTo(new[] { (Clear, PinValue.High), (Pulse, PinValue.High) }));
    }

    [Test]
    public void A_drop_from_another_thread_holds_the_enable_off_until_the_stepping_thread_has_disabled_it()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        ToggleAt(line, 10);
        Task.Run(line.Drop).Wait(TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(ToggleAt(line, 20), Is.EqualTo(DeadmanToggle.Held), "a step already under way cannot enable it again");
            Assert.That(gpio.Level(Clear), Is.EqualTo(PinValue.Low));
            Assert.That(line.Drops, Is.EqualTo(1));
        });

        line.Disable();
        Assert.Multiple(() =>
        {
            Assert.That(ToggleAt(line, 30), Is.EqualTo(DeadmanToggle.Toggled), "once the step has seen motion not permitted");
            Assert.That(gpio.Level(Clear), Is.EqualTo(PinValue.High));
        });
    }

    [Test]
    public void Toggling_every_ten_milliseconds_holds_the_circuit_on_and_it_drops_by_its_timeout_or_at_once_on_disable()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        var circuit = new DeadmanCircuit(Timeout);
        var fed = 0;
        void Feed(TimeSpan at)
        {
            for (; fed < gpio.Writes.Count; fed++)
            {
                var (pin, value) = gpio.Writes[fed];
                if (pin == Pulse)
                {
                    circuit.SetPulse(at, value == PinValue.High);
                }
                else
                {
                    circuit.SetClear(at, value == PinValue.High);
                }
            }
        }

        Feed(TimeSpan.Zero);
        for (var t = 10; t <= 500; t += 10)
        {
            ToggleAt(line, t);
            Feed(Ms(t));
            Assert.That(circuit.Evaluate(Ms(t + 9)), Is.True, $"held at {t + 9} ms");
        }

        Assert.That(circuit.Evaluate(Ms(500) + Timeout), Is.False, "the loop stopped toggling at 500 ms");
        Assert.That(circuit.LastDrop!.Value.Reason, Is.EqualTo(DeadmanDropReason.Timeout));

        line.Disable();
        Feed(Ms(700));
        ToggleAt(line, 710);
        Feed(Ms(710));
        Assert.That(circuit.Evaluate(Ms(711)), Is.True);
        line.Disable();
        Feed(Ms(715));
        Assert.Multiple(() =>
        {
            Assert.That(circuit.Evaluate(Ms(715)), Is.False);
            Assert.That(circuit.LastDrop, Is.EqualTo(new DeadmanDrop(Ms(715), DeadmanDropReason.Cleared, Ms(710))));
        });
    }

    [Test]
    public void A_toggle_that_comes_after_the_circuit_timed_out_drops_the_enable_instead_of_retriggering_it()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        ToggleAt(line, 10);
        gpio.Writes.Clear();

        // The step started in time but the process stopped before its edge: by the edge the 75 ms have run out.
        Assert.That(ToggleAt(line, 90), Is.EqualTo(DeadmanToggle.Lapsed));
        Assert.Multiple(() =>
        {
            Assert.That(gpio.Writes, Is.EqualTo(new[] { (Clear, PinValue.Low), (Pulse, PinValue.Low) }), "dropped, no rising edge");
            Assert.That(line.Holding, Is.False);
        });

        Assert.That(ToggleAt(line, 100), Is.EqualTo(DeadmanToggle.Toggled), "a later step may enable it again (the pipeline latches a STOP first)");
    }

    [Test]
    public void A_clear_line_that_cannot_be_driven_low_is_reported_by_its_number_and_tried_again()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio);
        ToggleAt(line, 10);
        gpio.FailNextWrites = 1;
        Assert.That(line.Disable, Throws.TypeOf<IOException>().With.Message.Contains($"clear line {Clear}"));
        Assert.That(gpio.Level(Pulse), Is.EqualTo(PinValue.Low), "the pulse line still went to rest");
        line.Disable();
        Assert.That(gpio.Level(Clear), Is.EqualTo(PinValue.Low), "retried");
    }

    [Test]
    public void Without_a_clear_line_a_disable_only_stops_the_edges()
    {
        var gpio = new FakeGpioDriver();
        using var line = Line(gpio, clear: -1);
        ToggleAt(line, 10);
        line.Disable();
        Assert.Multiple(() =>
        {
            Assert.That(gpio.IsOpen(Clear), Is.False);
            Assert.That(gpio.Writes.Select(w => w.Pin), Has.All.EqualTo(Pulse));
            Assert.That(gpio.Level(Pulse), Is.EqualTo(PinValue.Low));
        });
    }

    [Test]
    public void Dispose_drops_the_enable_and_releases_the_lines_and_a_late_drop_does_nothing()
    {
        var gpio = new FakeGpioDriver();
        var line = Line(gpio, shouldDispose: false);
        ToggleAt(line, 10);
        line.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(gpio.Writes[^2..], Is.EqualTo(new[] { (Clear, PinValue.Low), (Pulse, PinValue.Low) }));
            Assert.That(gpio.IsOpen(Pulse), Is.False);
            Assert.That(gpio.IsOpen(Clear), Is.False);
            Assert.That(line.Drop, Throws.Nothing);
            Assert.That(() => ToggleAt(line, 20), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public void The_same_line_for_pulse_and_clear_is_refused()
    {
        Assert.That(() => new DeadmanLine(new GpioController(new FakeGpioDriver()), Pulse, Pulse, Timeout, _clock),
            Throws.ArgumentException.With.Message.Contains("must differ"));
    }
}
