namespace EdgeBci.Cli.Monitor;

/// <summary>
/// One column of the monitor's table. <see cref="PlainWidth"/> is its fixed place in the plain lines (0: the rest of
/// the line); <see cref="MinWidth"/> and <see cref="MaxWidth"/> bound it in the live table, which widens it from the
/// minimum towards its longest value while the terminal has room. The minimum is never below the title's length, so
/// a title is never cut.
/// </summary>
internal sealed record MonitorColumn(string Title, int PlainWidth, int MinWidth, int MaxWidth);

/// <summary>The monitor's columns in the order they are shown, and the order in which a narrowing terminal gives them up.</summary>
internal static class MonitorColumns
{
    public const int Device = 0;
    public const int Link = 1;
    public const int Age = 2;
    public const int State = 3;
    public const int Decision = 4;
    public const int Focus = 5;
    public const int Quality = 6;
    public const int Rms = 7;
    public const int LatencyP99 = 8;
    public const int Cpu = 9;
    public const int Temperature = 10;
    public const int Memory = 11;
    public const int Drops = 12;
    public const int Firmware = 13;
    public const int Board = 14;
    public const int Model = 15;
    public const int BadMessages = 16;
    public const int LastEvent = 17;

    /// <summary>The columns in the order they are shown, left to right.</summary>
    public static readonly MonitorColumn[] All =
    [
        new("DEVICE", 14, 8, 32),
        new("LINK", 10, 9, 12),
        new("AGE", 7, 5, 7),
        new("STATE", 20, 12, 24),

        // "turn-right 0.93" whole at the minimum; a rejection ("rejected: C3 railed") widens it when there is room.
        new("DECISION", 13, 15, 32),
        new("FOCUS", 6, 5, 5),
        new("QUALITY", 24, 10, 40),
        new("RMS uV", 11, 9, 13),
        new("P99 ms", 7, 6, 8),
        new("CPU", 5, 4, 4),
        new("TEMP", 6, 4, 5),
        new("MEM", 7, 5, 7),
        new("DROPS", 12, 10, 20),
        new("FIRMWARE", 9, 8, 16),
        new("BOARD", 10, 8, 16),
        new("MODEL", 24, 12, 40),
        new("BAD", 4, 3, 6),

        // Time, kind and severity take 30 cells; the minimum leaves the start of the message. It also takes whatever
        // width is left over once every shown column has the width its values want.
        new("LAST EVENT", 0, 40, int.MaxValue),
    ];

    /// <summary>
    /// Most important first: what the engineer next to the user needs (which unit, is it there, what is it doing, what
    /// did it decide, are the electrodes on, what happened last) before the figures for diagnosing it and the facts
    /// that do not change while it runs. The live table takes columns from the front of this list while they fit.
    /// </summary>
    public static readonly int[] ByPriority =
    [
        Device, Link, State, Decision, Quality, LastEvent, LatencyP99, Focus, Age, Cpu, BadMessages, Drops, Rms,
        Temperature, Memory, Model, Firmware, Board,
    ];

    /// <summary>The first columns of <see cref="ByPriority"/> are shown however narrow the terminal is.</summary>
    public const int AlwaysShown = 4;
}
