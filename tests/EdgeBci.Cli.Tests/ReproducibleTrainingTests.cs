using System.Diagnostics;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// A bundle rebuilt on another x64 CPU is the same bundle: <c>edgebci train</c> run in child processes, once with
/// the runtime's widest vectors and once restricted to 128-bit SSE (the runtime's own knobs, as on a CPU without AVX),
/// writes byte-identical fp32 and int8 models. The engine's reductions had a summation order that followed the vector
/// width, which moved weights by about 1e-6 and changed the hashes.
/// </summary>
[NonParallelizable]
public class ReproducibleTrainingTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);

    [Test]
    public void The_same_training_gives_identical_models_whatever_the_vector_width()
    {
        using var scratch = new ScratchFolder("reproducible");
        var wide = Train(Path.Combine(scratch.Path, "wide"), []);
        var narrow = Train(Path.Combine(scratch.Path, "sse"), new Dictionary<string, string>
        {
            ["DOTNET_EnableAVX512F"] = "0",
            ["DOTNET_EnableAVX2"] = "0",
            ["DOTNET_EnableAVX"] = "0",
        });

        foreach (var model in new[] { ModelManifest.Fp32ModelFile, ModelManifest.Int8ModelFile })
        {
            Assert.That(ModelBundle.Sha256(Path.Combine(narrow, model)), Is.EqualTo(ModelBundle.Sha256(Path.Combine(wide, model))), model);
        }
    }

    /// <summary>A small bundle (S001 hands-vs-feet, 3 epochs, no evaluation) written by edgebci in a child process.</summary>
    private static string Train(string bundle, Dictionary<string, string> environment)
    {
        var data = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R06.edf"))!, ".."));
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "edgebci.dll"), "train", "--task", "hands-vs-feet", "--data", data,
            "--no-evaluate", "--epochs", "3", "--model-version", "reproducible", "--out", bundle,
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(Generous), Is.True, "edgebci train did not finish in time");
        Assert.That(process.ExitCode, Is.Zero, $"{output.Result}{error.Result}");
        return bundle;
    }
}
