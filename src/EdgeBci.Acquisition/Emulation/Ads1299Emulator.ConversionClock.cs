using System.Diagnostics;
using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// The conversion clock behind DRDY: conversions complete every 1/rate seconds after START in real-time pacing (as
/// fast as they are read when free-running), the DRDY level, and the waits for its falling edge.
/// </summary>
public sealed partial class Ads1299Emulator
{
    /// <summary>
    /// DRDY level: low while a conversion waits to be read. Free-running, the next conversion is ready the moment the
    /// previous one was read, whether or not the edge dispatcher has announced it yet.
    /// </summary>
    internal bool DataReadyLow()
    {
        lock (_gate)
        {
            if (Faults.DataReadyStuck)
            {
                return false;
            }

            if (_converting && _options.Pacing == EmulatorPacing.FreeRunning && _produced <= _read)
            {
                _produced = _read + 1;
            }

            Advance(Stopwatch.GetTimestamp());
            return _converting && _produced > _read;
        }
    }

    /// <summary>
    /// Blocks until DRDY falls (a conversion is ready and not yet read) or the token is cancelled.
    /// Returns false on cancellation.
    /// </summary>
    internal bool WaitForDataReady(CancellationToken cancellationToken)
    {
        while (true)
        {
            long waitTicks;
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                if (!Faults.DataReadyStuck && _converting)
                {
                    if (_options.Pacing == EmulatorPacing.FreeRunning && _produced <= _read)
                    {
                        _produced = _read + 1;
                    }

                    Advance(now);
                    if (_produced > _read)
                    {
                        return true;
                    }

                    waitTicks = _conversionEpoch + (long)((_produced + 1) * Stopwatch.Frequency / _conversionRate) - now;
                }
                else
                {
                    waitTicks = Stopwatch.Frequency / 1000;
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            PauseFor(waitTicks, cancellationToken);
        }
    }

    /// <summary>
    /// Blocks until a conversion newer than the one <paramref name="edge"/> last announced is ready, i.e. until DRDY's
    /// next falling edge, and moves <paramref name="edge"/> on to it; false once the token is cancelled. Free-running,
    /// the next conversion is ready the moment the previous one was read. A START or reset restarts the count, and
    /// the edge cursor notices by the conversion epoch.
    /// </summary>
    internal bool WaitForNextEdge(ref DataReadyEdge edge, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            long waitTicks;
            lock (_gate)
            {
                if (!_converting || Faults.DataReadyStuck)
                {
                    // START, power and the fault flag change rarely: a short poll, woken early by START.
                    Monitor.Wait(_gate, IdlePollMilliseconds);
                    continue;
                }

                if (edge.Epoch != _conversionEpoch)
                {
                    edge = new DataReadyEdge(_conversionEpoch, 0);
                }

                var now = Stopwatch.GetTimestamp();
                if (_options.Pacing == EmulatorPacing.FreeRunning && _produced <= _read)
                {
                    _produced = _read + 1;
                }

                Advance(now);
                if (_produced > edge.Conversion)
                {
                    edge = new DataReadyEdge(_conversionEpoch, _produced);
                    return true;
                }

                if (_options.Pacing == EmulatorPacing.FreeRunning)
                {
                    // The next conversion waits for the host to read this one: LatchFrame pulses the gate.
                    Monitor.Wait(_gate, IdlePollMilliseconds);
                    continue;
                }

                waitTicks = _conversionEpoch + (long)((_produced + 1) * Stopwatch.Frequency / _conversionRate) - now;
            }

            PauseFor(waitTicks, cancellationToken);
        }

        return false;
    }

    private void PauseFor(long ticks, CancellationToken cancellationToken)
    {
        // Long waits stay cancellable (a stalled DRDY must time out, a stopped dispatcher must end); the last stretch
        // needs the precision the conversion period asks for.
        var twoMilliseconds = Stopwatch.Frequency / 500;
        if (ticks > twoMilliseconds)
        {
            cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)(ticks - (twoMilliseconds / 2)) / Stopwatch.Frequency));
            return;
        }

        var periodTicks = (long)(Stopwatch.Frequency / Volatile.Read(ref _conversionRate));
        PreciseSleep.Until(Stopwatch.GetTimestamp() + ticks, periodTicks, cancellationToken);
    }

    private void UpdateConverting(long now, bool restart = false)
    {
        var converting = _powered && !_standby && (_startPin || _startCommand);
        if (converting && (!_converting || restart))
        {
            var dataRate = (Ads1299DataRate)(_registers[0][(int)Ads1299Register.CONFIG1] & 0x07);
            // DR = 0b111 is reserved; the silicon's behaviour is undefined, the emulator keeps 250 SPS.
            _conversionRate = Enum.IsDefined(dataRate) ? Ads1299Values.SamplesPerSecond(dataRate) : 250;
            _conversionEpoch = now;
            _produced = 0;
            _read = 0;
            _latched = -1;
        }

        _converting = converting;
        Monitor.PulseAll(_gate);
    }

    /// <summary>In real-time pacing, conversions complete every 1/rate seconds after START.</summary>
    private void Advance(long now)
    {
        if (!_converting || _options.Pacing != EmulatorPacing.RealTime)
        {
            return;
        }

        var completed = (long)((now - _conversionEpoch) * _conversionRate / Stopwatch.Frequency);
        if (completed > _produced)
        {
            _produced = completed;
        }
    }
}

/// <summary>The conversion DRDY last fell for, and the START it belongs to (conversion numbers restart at each START).</summary>
internal readonly record struct DataReadyEdge(long Epoch, long Conversion);
