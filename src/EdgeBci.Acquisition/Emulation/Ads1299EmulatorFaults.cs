namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// Faults injected at the chip, so that every later stage can be shown to notice them and fail safe.
/// Thread-safe: tests and the CLI set them while the acquisition thread reads frames.
/// </summary>
public sealed class Ads1299EmulatorFaults
{
    private const int MaximumChannels = 64;

    private long _electrodesOff;
    private long _railed;
    private long _constant;
    private int _corruptStatusFrames;
    private long _bitFlipProbabilityBits;
    private volatile bool _dataReadyStuck;
    private int _idOverride = -1;

    /// <summary>DRDY stays high: the line is dead while conversions carry on unseen.</summary>
    public bool DataReadyStuck
    {
        get => _dataReadyStuck;
        set => _dataReadyStuck = value;
    }

    /// <summary>The ID register of the first chip reads this value instead of the real one.</summary>
    public byte? IdOverride
    {
        get
        {
            var value = Volatile.Read(ref _idOverride);
            return value < 0 ? null : (byte)value;
        }
        set => Volatile.Write(ref _idOverride, value ?? -1);
    }

    /// <summary>Probability per channel sample that one random bit of the 24 is flipped on the wire.</summary>
    public double BitFlipProbability
    {
        get => BitConverter.Int64BitsToDouble(Volatile.Read(ref _bitFlipProbabilityBits));
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            Volatile.Write(ref _bitFlipProbabilityBits, BitConverter.DoubleToInt64Bits(value));
        }
    }

    /// <summary>Bit n set: the electrode of 0-based channel n is detached.</summary>
    public ulong ElectrodesOffMask => (ulong)Volatile.Read(ref _electrodesOff);

    /// <summary>Bit n set: 0-based channel n is pinned at positive full scale.</summary>
    public ulong RailedMask => (ulong)Volatile.Read(ref _railed);

    /// <summary>Bit n set: 0-based channel n reads exactly zero counts (switched off).</summary>
    public ulong ConstantMask => (ulong)Volatile.Read(ref _constant);

    /// <summary>The next <paramref name="frames"/> frames read carry a status word without the 1100 preamble.</summary>
    public void CorruptStatusHeaders(int frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        Interlocked.Add(ref _corruptStatusFrames, frames);
    }

    /// <summary>Detaches (or re-attaches) the electrode of a 0-based channel: it floats, and lead-off detection sees it.</summary>
    public void SetElectrodeOff(int channel, bool off) => SetBit(ref _electrodesOff, channel, off);

    /// <summary>Drives a 0-based channel to positive full scale (an amplifier pinned at its rail); replaces a constant fault on it.</summary>
    public void SetRailed(int channel, bool railed)
    {
        if (railed)
        {
            SetBit(ref _constant, channel, false);
        }

        SetBit(ref _railed, channel, railed);
    }

    /// <summary>
    /// Makes a 0-based channel read exactly zero counts, as a channel switched off does; replaces a railed fault on it,
    /// so a channel can step from the rail to a constant as in a recording where the channels were switched off.
    /// </summary>
    public void SetConstant(int channel, bool constant)
    {
        if (constant)
        {
            SetBit(ref _railed, channel, false);
        }

        SetBit(ref _constant, channel, constant);
    }

    public void ClearAll()
    {
        Volatile.Write(ref _electrodesOff, 0);
        Volatile.Write(ref _railed, 0);
        Volatile.Write(ref _constant, 0);
        Volatile.Write(ref _corruptStatusFrames, 0);
        BitFlipProbability = 0;
        IdOverride = null;
        _dataReadyStuck = false;
    }

    internal bool TakeStatusCorruption()
    {
        while (true)
        {
            var pending = Volatile.Read(ref _corruptStatusFrames);
            if (pending == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _corruptStatusFrames, pending - 1, pending) == pending)
            {
                return true;
            }
        }
    }

    private static void SetBit(ref long mask, int channel, bool set)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, MaximumChannels);
        var bit = 1L << channel;
        if (set)
        {
            Interlocked.Or(ref mask, bit);
        }
        else
        {
            Interlocked.And(ref mask, ~bit);
        }
    }
}
