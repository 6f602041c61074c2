using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeBci.Control.Deadman;

namespace EdgeBci.Firmware;

/// <summary>
/// The separate process behind <see cref="BoardWatchdogLink"/>: the emulated deadman circuit. It reads the deadman lines'
/// levels on standard input ("P|C timestamp level v ω grip device" for the pulse and clear lines, "Q" for switch-off),
/// feeds them at their own times to a <see cref="DeadmanCircuit"/> with the board profile's timeout, and keeps the
/// actuator's output mirrored with them; the effective output is that mirror while the enable is on and neutral while it
/// is off. A closed pipe is nothing special: a circuit sees only that the edges stopped, so the enable goes off when the
/// timeout runs out after the last rising edge, not earlier. The state (<see cref="DeadmanStateFile"/>) is replaced
/// atomically on every change of the enable (a moving mirror at most every 50 ms); times are <see cref="Stopwatch"/>
/// timestamps, CLOCK_MONOTONIC on Linux, the same clock in every process of the machine.
/// </summary>
internal static class BoardWatchdogProcess
{
    public const string Verb = "--board-watchdog";
    public const string ClearWired = "clear";
    public const string ClearTiedHigh = "no-clear";

    private static readonly long MovingWriteInterval = Stopwatch.Frequency / 20;

    public static bool IsInvocation(string[] args) => args.Length > 0 && args[0] == Verb;

    public static int Run(string[] args)
    {
        if (args.Length != 5 || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var timeoutMs) || timeoutMs <= 0
            || args[3] is not (ClearWired or ClearTiedHigh))
        {
            Console.Error.WriteLine($"usage: {Verb} <state file> <timeout ms> {ClearWired}|{ClearTiedHigh} <actuator>");
            return ExitCodes.Configuration;
        }

        // A circuit is not stopped by the signals that stop the firmware (Ctrl+C reaches the whole process group): it
        // ends on switch-off, or once its enable is off after the edges stopped.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = true);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);
        var circuit = new EmulatedCircuit(new DeadmanStateFile(args[1], timeoutMs, args[3] == ClearWired, args[4]),
            new DeadmanCircuit(TimeSpan.FromMilliseconds(timeoutMs), args[3] == ClearWired));
        var reader = new Thread(() => circuit.Read(Console.In)) { IsBackground = true, Name = "deadman-circuit-reader" };
        reader.Start();
        return circuit.Watch();
    }

    /// <summary>A Stopwatch timestamp as a time on the model's clock, without overflow.</summary>
    internal static TimeSpan ToTime(long timestamp)
    {
        var frequency = Stopwatch.Frequency;
        return TimeSpan.FromTicks((timestamp / frequency * TimeSpan.TicksPerSecond) + (timestamp % frequency * TimeSpan.TicksPerSecond / frequency));
    }

    internal static long ToTimestamp(TimeSpan time)
    {
        var frequency = Stopwatch.Frequency;
        return (time.Ticks / TimeSpan.TicksPerSecond * frequency) + (time.Ticks % TimeSpan.TicksPerSecond * frequency / TimeSpan.TicksPerSecond);
    }

    private sealed class EmulatedCircuit(DeadmanStateFile state, DeadmanCircuit model)
    {
        // A monitor, not a Lock: the watcher waits on it for input or for the enable to run out.
        private readonly object _gate = new();
        private bool _linkClosed;
        private bool _quit;
        private bool _wasEnabled;
        private bool _changed = true;
        private bool _dirty = true;
        private long _lastWrite;
        private TimeSpan _lastInput = TimeSpan.MinValue;

        public void Read(TextReader input)
        {
            try
            {
                while (input.ReadLine() is { } line)
                {
                    lock (_gate)
                    {
                        Handle(line);
                        Monitor.PulseAll(_gate);
                    }
                }
            }
            catch (IOException)
            {
            }

            lock (_gate)
            {
                _linkClosed = true;
                state.LinkClosed = true;
                _changed = _dirty = true;
                Monitor.PulseAll(_gate);
            }
        }

        public int Watch()
        {
            lock (_gate)
            {
                while (true)
                {
                    var now = Stopwatch.GetTimestamp();
                    Evaluate(now);
                    if (_dirty && (_changed || _quit || now - _lastWrite >= MovingWriteInterval))
                    {
                        state.Write(model, now);
                        _lastWrite = now;
                        _dirty = _changed = false;
                    }

                    if ((_quit || _linkClosed) && !model.Enabled)
                    {
                        return 0;
                    }

                    Monitor.Wait(_gate, WaitFor(now));
                }
            }
        }

        private void Evaluate(long now)
        {
            var enabled = model.Evaluate(ToTime(now));
            if (enabled == _wasEnabled)
            {
                return;
            }

            _wasEnabled = enabled;
            _changed = _dirty = true;
            if (enabled)
            {
                state.Reason = "pulsing";
                return;
            }

            var drop = model.LastDrop!.Value;
            state.Reason = _quit ? "switch-off" : drop.Reason == DeadmanDropReason.Timeout ? "timeout" : "cleared";
            state.NoticedTimestamp = now;
            state.HeldAtDrop = state.Mirror;
        }

        /// <summary>Until the enable runs out, or the next write of a moving mirror is due; indefinitely when only input can change anything.</summary>
        private TimeSpan WaitFor(long now)
        {
            var wait = Timeout.InfiniteTimeSpan;
            if (model.EnabledUntil is { } until)
            {
                wait = until - ToTime(now) + TimeSpan.FromTicks(1);
            }

            if (_dirty)
            {
                var nextWrite = TimeSpan.FromSeconds((double)(_lastWrite + MovingWriteInterval - now) / Stopwatch.Frequency);
                wait = wait == Timeout.InfiniteTimeSpan || nextWrite < wait ? nextWrite : wait;
            }

            return wait == Timeout.InfiniteTimeSpan ? wait : wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        private void Handle(string line)
        {
            if (line == "Q")
            {
                // The firmware dropped the enable and closed the actuator just before; a circuit without CLR still
                // holds the enable until its timeout, and the process ends only then.
                _quit = true;
                state.Reason = "switch-off";
                state.Mirror = MirroredOutput.Neutral;
                _changed = _dirty = true;
                return;
            }

            var parts = line.Split(' ', 7);
            if (parts.Length != 7 || parts[0] is not ("P" or "C") || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var timestamp)
                || parts[2] is not ("0" or "1") || !MirroredOutput.TryParse(parts[3], parts[4], parts[5], parts[6], out var output))
            {
                state.BadLines++;
                return;
            }

            // Levels come in order from one writer; a line stamped before the last input is taken at the last input's time.
            var at = ToTime(timestamp);
            _lastInput = at > _lastInput ? at : _lastInput;
            var triggers = model.Triggers;
            var high = parts[2] == "1";
            if (parts[0] == "P")
            {
                model.SetPulse(_lastInput, high);
            }
            else if (model.ClearWired)
            {
                model.SetClear(_lastInput, high);
            }

            _changed |= state.Mirror.IsNeutral != output.IsNeutral;
            state.Mirror = output;
            state.Levels++;
            if (model.Triggers != triggers)
            {
                state.LastPulseReceivedTimestamp = Stopwatch.GetTimestamp();
            }

            _dirty = true;
        }
    }
}
