using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;
using NUnit.Framework;

namespace EdgeBci.Release.Tests.Slots;

public sealed class KeyValueFileTests
{
    [Test]
    public void What_is_written_reads_back_and_a_missing_file_is_null()
    {
        using var scratch = new ScratchFolder("kv");
        var path = Path.Combine(scratch.Path, "state");
        Assert.That(KeyValueFile.ReadIfPresent(path), Is.Null);

        KeyValueFile.WriteAtomically(path, [new("state", "trial"), new("slot", "b"), new("previous_slot", "")]);

        var values = KeyValueFile.ReadIfPresent(path)!;
        Assert.That(values["state"], Is.EqualTo("trial"));
        Assert.That(values["slot"], Is.EqualTo("b"));
        Assert.That(values["previous_slot"], Is.Empty);
        Assert.That(File.ReadAllText(path), Is.EqualTo("state=trial\nslot=b\nprevious_slot=\n"));
        Assert.That(Directory.GetFiles(scratch.Path), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void A_line_that_is_not_key_value_is_named_by_file_and_line()
    {
        using var scratch = new ScratchFolder("kv");
        var path = Path.Combine(scratch.Path, "state");
        File.WriteAllText(path, "state=trial\nslot b\n");

        var error = Assert.Throws<FormatException>(() => KeyValueFile.ReadIfPresent(path));
        Assert.That(error!.Message, Does.Contain(path + " line 2"));
    }

    [Test]
    public void A_value_with_a_line_break_is_refused_rather_than_written_as_two_lines()
    {
        using var scratch = new ScratchFolder("kv");
        Assert.Throws<ArgumentException>(() =>
            KeyValueFile.WriteAtomically(Path.Combine(scratch.Path, "x"), [new("reason", "a\nslot=a")]));
    }
}
