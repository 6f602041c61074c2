using EdgeBci.Release.Slots;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>The firmware's release settings and the slot it runs from (null outside a slot: a build folder, <c>make run</c>, tests).</summary>
internal sealed record FirmwareRelease(ReleaseOptions Options, RunningSlot? Slot)
{
    /// <exception cref="ArgumentException">A Release key is unknown or invalid.</exception>
    /// <exception cref="IOException">The firmware's folder cannot be resolved (a symbolic link loops).</exception>
    public static FirmwareRelease Create(IConfiguration configuration) =>
        new(ReleaseOptions.Bind(configuration), RunningSlot.Find(AppContext.BaseDirectory));
}
