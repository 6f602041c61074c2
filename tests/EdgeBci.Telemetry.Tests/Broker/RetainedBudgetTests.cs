using EdgeBci.Telemetry.Broker;

namespace EdgeBci.Telemetry.Tests.Broker;

public sealed class RetainedBudgetTests
{
    [Test]
    public void Count_and_bytes_are_both_limits_across_all_topics()
    {
        var budget = new RetainedBudget(maxMessages: 3, maxBytes: 1000);
        Assert.Multiple(() =>
        {
            Assert.That(budget.TryAccount("a", 400), Is.Null);
            Assert.That(budget.TryAccount("b", 400), Is.Null);
            Assert.That(budget.TryAccount("c", 300), Does.Contain("at most 1000 bytes").And.Contain("EmbeddedMaxRetainedBytes"));
            Assert.That(budget.TryAccount("c", 100), Is.Null);
            Assert.That(budget.TryAccount("d", 1), Does.Contain("at most 3").And.Contain("EmbeddedMaxRetainedMessages"));
            Assert.That(budget.Count, Is.EqualTo(3));
            Assert.That(budget.Bytes, Is.EqualTo(900));
        });
    }

    [Test]
    public void A_replacement_counts_its_difference_and_an_empty_payload_frees()
    {
        var budget = new RetainedBudget(maxMessages: 2, maxBytes: 1000);
        Assert.Multiple(() =>
        {
            Assert.That(budget.TryAccount("status", 900), Is.Null);
            Assert.That(budget.TryAccount("status", 1000), Is.Null, "a replacement: 1000 in all, not 1900");
            Assert.That(budget.TryAccount("other", 1), Is.Not.Null);
            Assert.That(budget.TryAccount("status", 0), Is.Null);
            Assert.That(budget.Bytes, Is.Zero);
            Assert.That(budget.Count, Is.Zero);
            Assert.That(budget.TryAccount("never-stored", 0), Is.Null, "deleting what is not there changes nothing");
            Assert.That(budget.TryAccount("other", 1000), Is.Null);
        });
    }

    [Test]
    public void A_forced_publish_is_kept_and_counted()
    {
        var budget = new RetainedBudget(maxMessages: 1, maxBytes: 100);
        Assert.That(budget.TryAccount("a", 100), Is.Null);
        Assert.That(budget.TryAccount("unit/status", 50, force: true), Is.Null);
        Assert.That(budget.Count, Is.EqualTo(2));
        Assert.That(budget.TryAccount("b", 1), Is.Not.Null);
    }
}
