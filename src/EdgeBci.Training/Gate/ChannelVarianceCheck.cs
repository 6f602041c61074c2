using System.Globalization;

namespace EdgeBci.Training.Gate;

/// <summary>
/// Which channels of a session look like an electrode problem rather than a wearer who cannot yet drive: a channel
/// whose RMS over the session's windows is far below (a flat or bridged electrode) or far above (a loose, noisy one) the
/// median channel's. The gate's advice names them ("check the electrodes") instead of "another imagery strategy".
/// </summary>
public static class ChannelVarianceCheck
{
    /// <summary>How far from the median channel's RMS a channel may be before it is named.</summary>
    public const double Factor = 10;

    /// <param name="windows">Windows laid out channel-major, channels × samples each.</param>
    /// <param name="channels">The channel names, in window order.</param>
    /// <returns>"C3: RMS 0.08 µV, 1/10 of the median channel's 12.3 µV (flat?)", one per abnormal channel; empty when none.</returns>
    public static IReadOnlyList<string> Abnormal(IReadOnlyList<float[]> windows, IReadOnlyList<string> channels)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(channels);
        if (windows.Count == 0 || channels.Count < 2)
        {
            return [];
        }

        var samples = windows[0].Length / channels.Count;
        var rms = new double[channels.Count];
        foreach (var window in windows)
        {
            if (window.Length != samples * channels.Count)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"A window holds {window.Length} values, not {channels.Count} channels × {samples} samples."), nameof(windows));
            }

            for (var c = 0; c < channels.Count; c++)
            {
                var sum = 0.0;
                foreach (var value in window.AsSpan(c * samples, samples))
                {
                    sum += (double)value * value;
                }

                rms[c] += sum / samples;
            }
        }

        for (var c = 0; c < rms.Length; c++)
        {
            rms[c] = Math.Sqrt(rms[c] / windows.Count);
        }

        var sorted = (double[])rms.Clone();
        Array.Sort(sorted);
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        var problems = new List<string>();
        for (var c = 0; c < rms.Length; c++)
        {
            if (rms[c] * Factor < median)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{channels[c]}: RMS {rms[c]:0.###} µV, under 1/{Factor:0} of the median channel's {median:0.###} µV (flat or bridged?)"));
            }
            else if (rms[c] > median * Factor)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{channels[c]}: RMS {rms[c]:0.###} µV, over {Factor:0}× the median channel's {median:0.###} µV (loose or noisy?)"));
            }
        }

        return problems;
    }
}
