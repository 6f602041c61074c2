namespace EdgeBci.Acquisition.Ads1299;

/// <summary>GPIO lines wired to the chip. A line of -1 is not wired (tied on the board).</summary>
public sealed record Ads1299Pins(int DataReady, int Start = -1, int Reset = -1, int PowerDown = -1);

/// <summary>Datasheet timing at the 2.048 MHz master clock.</summary>
public static class Ads1299Timing
{
    public static readonly TimeSpan MasterClockPeriod = TimeSpan.FromTicks(5); // 488 ns, rounded up to 0.5 µs

    /// <summary>tPOR = 2^18 tCLK before the first reset after power-up (128 ms).</summary>
    public static readonly TimeSpan PowerOnReset = TimeSpan.FromSeconds((1 << 18) / Ads1299Values.MasterClockHz);

    /// <summary>RESET low for at least 2 tCLK; we hold it ten times that.</summary>
    public static readonly TimeSpan ResetPulse = TimeSpan.FromMicroseconds(10);

    /// <summary>18 tCLK after a reset before the chip decodes commands; rounded up generously.</summary>
    public static readonly TimeSpan AfterReset = TimeSpan.FromMicroseconds(50);

    /// <summary>Internal reference start-up after PD_REFBUF is set (about 150 ms typical).</summary>
    public static readonly TimeSpan ReferenceSettling = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// tSDECODE: 4 tCLK between the bytes of a multi-byte command. A byte lasts 8 SCLK periods, so an SCLK of at
    /// most 2·fCLK meets it without gaps.
    /// </summary>
    public const int MaximumCommandClockHz = (int)(2 * Ads1299Values.MasterClockHz);

    public static void Wait(TimeSpan duration)
    {
        if (duration >= TimeSpan.FromMilliseconds(2))
        {
            Thread.Sleep(duration);
            return;
        }

        var until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }
    }
}
