using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// <c>--sign-key</c> of the commands that write or install a bundle: <c>train</c> signs what it writes and says so,
/// says in one line when it did not, and reads the key before training; <c>calibrate</c> refuses to start a session
/// whose model it would install unsigned on a real board.
/// </summary>
[NonParallelizable]
public class TrainSigningTests
{
    private ScratchFolder _scratch = null!;
    private string _keyPath = null!;
    private TrustStore _trust = null!;

    [OneTimeSetUp]
    public void MakeKey()
    {
        _scratch = new ScratchFolder("train-signing");
        using var key = SigningKey.Generate(Path.Combine(_scratch.Path, "keys", "trainer"));
        _keyPath = Path.Combine(_scratch.Path, "keys", "trainer" + SigningKey.PrivateKeyExtension);
        _trust = TrustStore.Of("the trainer's key", key.PublicKey);
    }

    [OneTimeTearDown]
    public void Delete() => _scratch.Dispose();

    private static string Eegmmidb() => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R06.edf"))!, ".."));

    private (int Exit, string Output) Train(string name, params string[] extra) => CliRunner.Run(
        ["train", "--task", "hands-vs-feet", "--data", Eegmmidb(), "--no-evaluate", "--epochs", "1", "--model-version", "signing-1",
         "--out", Path.Combine(_scratch.Path, name), .. extra]);

    [Test]
    public void Train_with_a_sign_key_writes_a_bundle_that_loads_where_a_signature_is_required()
    {
        var (exit, output) = Train("signed", "--sign-key", _keyPath);

        Assert.That(exit, Is.Zero, output);
        var folder = Path.Combine(_scratch.Path, "signed");
        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.Required(_trust));
        Assert.That(bundle.Signature!.KeyId, Is.EqualTo(_trust.Keys.Single().KeyId));
        Assert.That(output, Does.Contain($"signed: {Path.Combine(folder, ModelSignature.FileName)} by key {bundle.Signature.KeyId}."));
    }

    [Test]
    public void Train_without_a_sign_key_says_the_bundle_is_unsigned_in_one_line()
    {
        var (exit, output) = Train("unsigned");

        Assert.That(exit, Is.Zero, output);
        Assert.That(output.Split('\n').Count(line => line.StartsWith("unsigned: ", StringComparison.Ordinal)), Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("a real board refuses it until it is signed"));
        Assert.That(File.Exists(Path.Combine(_scratch.Path, "unsigned", ModelSignature.FileName)), Is.False);
    }

    [Test]
    public void A_sign_key_that_cannot_be_used_is_refused_before_training()
    {
        var (exit, output) = Train("never", "--sign-key", Path.Combine(_scratch.Path, "keys", "missing.key"));

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--sign-key").And.Contain("no such key file"));
        Assert.That(output, Does.Not.Contain("epoch"), "nothing was trained");
        Assert.That(Directory.Exists(Path.Combine(_scratch.Path, "never")), Is.False);
    }

    [Test]
    public void Calibrate_refuses_to_install_an_unsigned_model_on_a_real_board_before_the_session()
    {
        using var data = new ScratchFolder("calibrate-unsigned");

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", "w", "--data-root", data.Path, "--board", "rpi4",
            "--install", Path.Combine(data.Path, "model")]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--sign-key is needed").And.Contain("Board = rpi4"));
        Assert.That(Directory.Exists(Path.Combine(data.Path, "wearers")), Is.False, "no session was started");
    }
}
