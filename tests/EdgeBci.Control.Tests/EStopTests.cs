using System.Device.Gpio;
using EdgeBci.Control.Supervision;
using EdgeBci.Control.Tests.Fakes;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The e-stop on GPIO, one or two channels: an opening edge is reported and drops the enable on the driver's event thread
/// without waiting for a poll; the poll catches what the kernel missed; two channels that disagree longer than the window
/// latch a fault that only a real press clears, so a broken wire or a line shorted to 3V3 cannot leave the e-stop closed.
/// </summary>
public class EStopTests
{
    private const int First = 6;
    private const int Second = 19;

    [TestCase(First, EStopContacts.NormallyClosed)]
    [TestCase(Second, EStopContacts.NormallyClosed)]
    [TestCase(Second, EStopContacts.NormallyOpen)]
    public void An_opening_edge_of_either_channel_reports_open_and_drops_the_enable_without_a_poll(int channel, string contact)
    {
        using var unit = new Unit(Second, contact);
        unit.Release();
        Assert.That(unit.Tick(), Is.True, "released: both channels read closed");

        unit.Open(channel);

        Assert.Multiple(() =>
        {
            Assert.That(unit.Drops, Is.EqualTo(1), "the drop action ran on the edge");
            Assert.That(unit.Inputs.Snapshot().EStopClosed, Is.False, "reported open before any poll");
            Assert.That(unit.Switches.EStopOpeningEdges, Is.EqualTo(1));
            Assert.That(unit.Tick(), Is.False);
            Assert.That(unit.Drops, Is.EqualTo(1), "the poll that follows does not drop again");
        });
    }

    [Test]
    public void A_pulse_no_read_sees_is_still_open_for_the_next_tick()
    {
        using var unit = new Unit();
        unit.Release();
        Assert.That(unit.Tick(), Is.True);

        // The line opened and closed again between two reads: only the edge event saw it.
        unit.Lines.RaiseEdge(First, PinEventTypes.Falling);

        Assert.Multiple(() =>
        {
            Assert.That(unit.Drops, Is.EqualTo(1));
            Assert.That(unit.Tick(), Is.False, "the tick after the edge reports it open, although the line reads closed again");
            Assert.That(unit.Tick(), Is.True, "then the line's level counts");
        });
    }

    [Test]
    public void The_poll_catches_an_opening_the_kernel_missed_and_drops_once()
    {
        using var unit = new Unit();
        unit.Lines.DeliverEvents = false;
        unit.Release();
        Assert.That(unit.Tick(), Is.True);

        unit.Open(First);
        Assert.That(unit.Drops, Is.Zero, "no edge event");

        Assert.Multiple(() =>
        {
            Assert.That(unit.Tick(), Is.False);
            Assert.That(unit.Drops, Is.EqualTo(1), "the poll saw it open and dropped");
            Assert.That(unit.Tick(), Is.False);
            Assert.That(unit.Drops, Is.EqualTo(1), "once");
        });
    }

    [TestCase(EStopContacts.NormallyClosed, First)]
    [TestCase(EStopContacts.NormallyClosed, Second)]
    [TestCase(EStopContacts.NormallyOpen, First)]
    public void Both_channels_closed_read_closed_and_a_broken_wire_reads_open(string contact, int broken)
    {
        using var unit = new Unit(Second, contact);
        unit.Release();
        Assert.That(unit.Tick(), Is.True);

        // A broken wire leaves the line to its pull-down: low.
        unit.Lines.Drive(broken, PinValue.Low);

        Assert.Multiple(() =>
        {
            Assert.That(unit.Tick(), Is.False);
            Assert.That(unit.Drops, Is.EqualTo(1));
        });
    }

    [TestCase(EStopContacts.NormallyClosed)]
    [TestCase(EStopContacts.NormallyOpen)]
    public void Channels_that_close_a_little_apart_with_bounce_read_closed_without_a_fault(string contact)
    {
        using var unit = new Unit(Second, contact);
        unit.Press();
        Assert.That(unit.Tick(), Is.False);

        unit.Close(First);
        unit.Tick(5);
        unit.Close(Second);
        unit.Tick(5);
        unit.Open(Second);
        unit.Tick(5);
        unit.Close(Second);
        unit.Tick(5);

        Assert.Multiple(() =>
        {
            Assert.That(unit.Tick(), Is.True, "settled within the window: closed");
            Assert.That(unit.Switches.EStopDiscrepancy, Is.Null);
        });
    }

    [TestCase(EStopContacts.NormallyClosed)]
    [TestCase(EStopContacts.NormallyOpen)]
    public void A_disagreement_is_a_fault_after_the_window_not_before_and_only_a_press_clears_it(string contact)
    {
        using var unit = new Unit(Second, contact);
        unit.Press();
        unit.Tick();

        unit.Close(First);
        for (var elapsed = 0; elapsed <= GpioSafetyInputs.EStopWindow.TotalMilliseconds; elapsed += 10)
        {
            Assert.That(unit.Tick(elapsed == 0 ? 0 : 10), Is.False, "one channel is still open");
            Assert.That(unit.Switches.EStopDiscrepancy, Is.Null, $"{elapsed} ms apart is within the window");
        }

        unit.Tick();
        var fault = unit.Switches.EStopDiscrepancy;
        Assert.That(fault, Does.StartWith("e-stop channels disagree for 30 ms").And.Contain($"GPIO {First} reads closed, GPIO {Second} ({contact} contact) reads open"));

        unit.Close(Second);
        Assert.Multiple(() =>
        {
            Assert.That(unit.Tick(), Is.False, "both read closed now, but the fault holds");
            Assert.That(unit.Tick(100), Is.False);
            Assert.That(unit.Switches.EStopDiscrepancy, Is.EqualTo(fault));
        });

        unit.Press();
        unit.Tick();
        Assert.That(unit.Switches.EStopDiscrepancy, Is.Null, "both channels read open together: a real press");
        unit.Release();
        Assert.That(unit.Tick(), Is.True);
    }

    [TestCase(EStopContacts.NormallyClosed)]
    [TestCase(EStopContacts.NormallyOpen)]
    public void A_channel_shorted_to_3V3_is_found_at_the_next_press_and_keeps_the_e_stop_open(string contact)
    {
        using var unit = new Unit(Second, contact);
        unit.Release();
        Assert.That(unit.Tick(), Is.True);

        // The first line is shorted to 3V3 from now on: it reads high, "closed", whatever the contact does.
        unit.Open(Second);
        Assert.That(unit.Drops, Is.EqualTo(1), "the healthy channel opens: the press stops at once");
        for (var i = 0; i < 4; i++)
        {
            unit.Tick();
        }

        Assert.That(unit.Switches.EStopDiscrepancy, Does.StartWith("e-stop channels disagree"));
        unit.Close(Second);
        Assert.Multiple(() =>
        {
            Assert.That(unit.Tick(), Is.False, "released, but the shorted channel never read open: still open");
            Assert.That(unit.Tick(1000), Is.False);
        });
    }

    [Test]
    public void A_drop_action_that_throws_is_a_pipeline_fault()
    {
        using var unit = new Unit(drop: () => throw new IOException("enable line write failed"));
        unit.Release();
        unit.Tick();

        unit.Open(First);

        var inputs = unit.Inputs.Snapshot();
        Assert.Multiple(() =>
        {
            Assert.That(inputs.EStopClosed, Is.False);
            Assert.That(inputs.PipelineFaults, Is.EqualTo(1));
            Assert.That(inputs.LastPipelineFault, Is.EqualTo($"the e-stop's drop action failed after opening edge on GPIO {First}: IOException: enable line write failed"));
        });
    }

    [Test]
    public void The_lines_are_pulled_down_watched_for_their_opening_edge_and_let_go_on_dispose()
    {
        var unit = new Unit(Second, EStopContacts.NormallyOpen);
        Assert.Multiple(() =>
        {
            Assert.That(unit.Lines.Mode(First), Is.EqualTo(PinMode.InputPullDown));
            Assert.That(unit.Lines.Mode(Second), Is.EqualTo(PinMode.InputPullDown));
            Assert.That(unit.Lines.Watched(First), Is.EqualTo(PinEventTypes.Falling));
            Assert.That(unit.Lines.Watched(Second), Is.EqualTo(PinEventTypes.Rising), "a normally-open contact opens the loop by closing: rising");
        });

        unit.Dispose();
        unit.Release();
        unit.Press();
        Assert.Multiple(() =>
        {
            Assert.That(unit.Lines.Watched(First), Is.EqualTo(PinEventTypes.None));
            Assert.That(unit.Lines.Watched(Second), Is.EqualTo(PinEventTypes.None));
            Assert.That(unit.Lines.IsOpen(First) || unit.Lines.IsOpen(Second), Is.False);
            Assert.That(unit.Drops, Is.Zero);
        });
    }

    [Test]
    public void A_driver_without_edge_events_is_an_error_naming_the_line()
    {
        var lines = new FakeGpioDriver { RefuseEvents = true };
        var options = new ControlOptions { EStopPin = First };
        Assert.That(() => new GpioSafetyInputs(new GpioController(lines), options, new ControlInputs()),
            Throws.InstanceOf<IOException>().With.Message.StartsWith($"cannot watch the e-stop line GPIO {First} for its opening edge (Falling)"));
    }

    /// <summary>The lines of one e-stop, its inputs and a drop action that counts.</summary>
    private sealed class Unit : IDisposable
    {
        private readonly string _contact;
        private int _drops;
        private TimeSpan _now = TimeSpan.FromSeconds(1);

        public Unit(int secondPin = -1, string contact = EStopContacts.NormallyClosed, Action? drop = null)
        {
            _contact = contact;
            var options = new ControlOptions { EStopPin = First, EStopSecondPin = secondPin, EStopSecondContact = contact };
            Switches = new GpioSafetyInputs(new GpioController(Lines), options, Inputs, drop ?? (() => Interlocked.Increment(ref _drops)), shouldDispose: false);
        }

        public FakeGpioDriver Lines { get; } = new();

        public ControlInputs Inputs { get; } = new();

        public GpioSafetyInputs Switches { get; }

        public int Drops => Volatile.Read(ref _drops);

        public void Release()
        {
            Close(First);
            Close(Second);
        }

        public void Press()
        {
            Open(First);
            Open(Second);
        }

        public void Close(int pin) => Lines.Drive(pin, pin == Second && _contact == EStopContacts.NormallyOpen ? PinValue.Low : PinValue.High);

        public void Open(int pin) => Lines.Drive(pin, pin == Second && _contact == EStopContacts.NormallyOpen ? PinValue.High : PinValue.Low);

        /// <summary>Advances the clock, polls as a supervisor tick does and returns what the tick's snapshot says.</summary>
        public bool Tick(int milliseconds = 10)
        {
            _now += TimeSpan.FromMilliseconds(milliseconds);
            Switches.Poll(_now);
            return Inputs.Snapshot().EStopClosed;
        }

        public void Dispose() => Switches.Dispose();
    }
}
