using EdgeBci.Training.Data;

namespace EdgeBci.Training.Tests;

/// <summary>
/// Synthetic "wearers": three classes (left, rest, right) as sources, a 10 Hz rhythm of 10 µV on the left or right
/// group of source channels (none for rest) over 5 µV noise, seen through a wearer-specific mixing matrix (the head
/// and electrodes), so two wearers' raw windows differ in spatial covariance as real wearers' do. 250 Hz.
/// </summary>
internal static class TransferTestData
{
    public static readonly string[] Classes = ["left", "rest", "right"];

    public static string[] Channels(int count) => [.. Enumerable.Range(0, count).Select(c => $"E{c}")];

    public static EpochDataset Wearer(int trials, int channels, int samples, int seed, double mixing = 0.5)
    {
        var random = new Random(seed);
        var mix = new double[channels * channels];
        for (var i = 0; i < channels; i++)
        {
            for (var j = 0; j < channels; j++)
            {
                mix[(i * channels) + j] = (i == j ? 1 + random.NextDouble() : 0) + (mixing * (random.NextDouble() - 0.5));
            }
        }

        var windows = new List<float[]>(trials);
        var labels = new int[trials];
        var sources = new double[channels * samples];
        for (var trial = 0; trial < trials; trial++)
        {
            var label = trial % 3;
            labels[trial] = label;
            var phase = random.NextDouble() * 2 * Math.PI;
            for (var c = 0; c < channels; c++)
            {
                var active = (label == 0 && c < channels / 2) || (label == 2 && c >= channels / 2);
                for (var t = 0; t < samples; t++)
                {
                    var noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                    sources[(c * samples) + t] = (active ? 10 * Math.Sin((2 * Math.PI * 10 * t / 250.0) + phase + c) : 0) + (5 * noise);
                }
            }

            var window = new float[channels * samples];
            for (var i = 0; i < channels; i++)
            {
                for (var t = 0; t < samples; t++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < channels; j++)
                    {
                        sum += mix[(i * channels) + j] * sources[(j * samples) + t];
                    }

                    window[(i * samples) + t] = (float)sum;
                }
            }

            windows.Add(window);
        }

        var runs = Enumerable.Range(0, trials).Select(i => 4 + (4 * (3 * i / trials))).ToArray();
        var onsets = Enumerable.Range(0, trials).Select(i => 4.2 * i).ToArray();
        return new EpochDataset(windows, labels, runs, onsets, Classes, Channels(channels), 250, samples);
    }

    /// <summary>The mean over windows of X Xᵀ / T, row-major.</summary>
    public static double[] MeanCovariance(EpochDataset dataset)
    {
        var channels = dataset.ChannelCount;
        var samples = dataset.SamplesPerWindow;
        var sum = new double[channels * channels];
        foreach (var window in dataset.Windows)
        {
            for (var i = 0; i < channels; i++)
            {
                for (var j = 0; j < channels; j++)
                {
                    var dot = 0.0;
                    for (var t = 0; t < samples; t++)
                    {
                        dot += (double)window[(i * samples) + t] * window[(j * samples) + t];
                    }

                    sum[(i * channels) + j] += dot / samples / dataset.Count;
                }
            }
        }

        return sum;
    }
}
