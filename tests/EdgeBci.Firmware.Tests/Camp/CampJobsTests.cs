using System.Collections.Concurrent;
using EdgeBci.Web.Seams;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests.Camp;

public class CampJobsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private static CampJobs Jobs(Func<CampJobContext, Task<CampRunOutcome>> calibration, Func<CampJobContext, NeurofeedbackRequest, Task<CampRunOutcome>>? neurofeedback = null,
        string? refusal = null) =>
        new(calibration, neurofeedback ?? ((_, _) => Task.FromResult(new CampRunOutcome("completed", "done"))), TimeProvider.System, NullLogger<CampJobs>.Instance, refusal);

    /// <summary>A job that runs until cancelled, then ends as the real jobs do (the cancellation surfaces as an exception).</summary>
    private static async Task<CampRunOutcome> UntilCancelled(CampJobContext context, TaskCompletionSource started)
    {
        context.SetState("running", "recording");
        started.TrySetResult();
        await Task.Delay(Timeout.Infinite, context.Cancellation);
        return new CampRunOutcome("completed", "never reached");
    }

    [Test]
    public async Task A_second_start_while_a_run_goes_is_refused_as_busy_and_cancel_ends_the_first_as_cancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var jobs = Jobs(context => UntilCancelled(context, started));
        var events = new ConcurrentQueue<CampEvent>();
        jobs.Event += events.Enqueue;

        var run = jobs.StartCalibration("w-1");
        await started.Task.WaitAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(run.Kind, Is.EqualTo("calibration"));
            Assert.That(jobs.Current!.State, Is.EqualTo("running"));
            Assert.That(() => jobs.StartNeurofeedback("w-2", new NeurofeedbackRequest()), Throws.TypeOf<CampBusyException>().With.Message.Contains("calibration run for wearer 'w-1'"));
            Assert.That(() => jobs.StartCalibration("w-1"), Throws.TypeOf<CampBusyException>());
        });

        jobs.CancelCurrent();
        await jobs.Running.WaitAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(jobs.Current!.RunId, Is.EqualTo(run.RunId));
            Assert.That(jobs.Current.State, Is.EqualTo("cancelled"));
            Assert.That(events.Last().Type, Is.EqualTo("ended"));
            Assert.That(((EndedEventData)events.Last().Data).State, Is.EqualTo("cancelled"));
        });

        var next = jobs.StartNeurofeedback("w-2", new NeurofeedbackRequest(10, 60));
        await jobs.Running.WaitAsync(Generous);
        Assert.That(jobs.Current, Is.EqualTo(next with { State = "completed", Detail = "done" }), "a new run may start once the last has ended");
    }

    [Test]
    public async Task A_job_that_throws_ends_its_run_failed_with_the_message_and_the_next_run_starts()
    {
        using var jobs = Jobs(_ => throw new IOException("/data/wearers: disk full"));
        var ended = new TaskCompletionSource<CampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        jobs.Event += e =>
        {
            if (e.Type == "ended")
            {
                ended.TrySetResult(e);
            }
        };

        jobs.StartCalibration("w-1");
        var end = await ended.Task.WaitAsync(Generous);
        await jobs.Running.WaitAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(jobs.Current!.State, Is.EqualTo("failed"));
            Assert.That(jobs.Current.Detail, Is.EqualTo("/data/wearers: disk full"));
            Assert.That(end.Data, Is.EqualTo(new EndedEventData("calibration", "failed", "/data/wearers: disk full")));
        });
        Assert.That(() => jobs.StartNeurofeedback("w-1", new NeurofeedbackRequest()), Throws.Nothing);
    }

    [Test]
    public async Task A_job_that_says_ended_itself_is_not_ended_twice_and_a_throwing_listener_harms_nobody()
    {
        using var jobs = Jobs(_ => Task.FromResult(new CampRunOutcome("completed", "done")), (context, _) =>
        {
            context.Publish(new CampEvent("ended", new { kind = "neurofeedback", state = "completed", focusSessionId = "f1" }));
            return Task.FromResult(new CampRunOutcome("completed", "done", "f1"));
        });
        var events = new ConcurrentQueue<CampEvent>();
        jobs.Event += _ => throw new InvalidOperationException("a broken stream");
        jobs.Event += events.Enqueue;

        jobs.StartNeurofeedback("w-1", new NeurofeedbackRequest(10, 60));
        await jobs.Running.WaitAsync(Generous);

        Assert.That(events.Count(e => e.Type == "ended"), Is.EqualTo(1));
        Assert.That(jobs.Current!.State, Is.EqualTo("completed"));
    }

    [TestCase("Bad Id")]
    [TestCase("")]
    [TestCase("../etc")]
    public void A_wearer_id_that_is_not_valid_is_refused_naming_it(string id)
    {
        using var jobs = Jobs(_ => Task.FromResult(new CampRunOutcome("passed", "ok")));

        Assert.That(() => jobs.StartCalibration(id), Throws.ArgumentException.With.Message.Contains($"'{id}'"));
        Assert.That(jobs.Current, Is.Null, "nothing started");
    }

    [Test]
    public void A_neurofeedback_duration_that_is_not_positive_is_refused_naming_it()
    {
        using var jobs = Jobs(_ => Task.FromResult(new CampRunOutcome("passed", "ok")));

        Assert.That(() => jobs.StartNeurofeedback("w", new NeurofeedbackRequest(0, 60)), Throws.ArgumentException.With.Message.Contains("baselineSeconds = 0"));
        Assert.That(() => jobs.StartNeurofeedback("w", new NeurofeedbackRequest(10, double.NaN)), Throws.ArgumentException.With.Message.Contains("sessionSeconds = NaN"));
    }

    [Test]
    public void Calibration_where_it_cannot_run_is_refused_in_words_before_anything_starts()
    {
        using var jobs = Jobs(_ => Task.FromResult(new CampRunOutcome("passed", "ok")), refusal: "calibration from the page needs the emulator");

        Assert.That(() => jobs.StartCalibration("w"), Throws.ArgumentException.With.Message.EqualTo("calibration from the page needs the emulator"));
        Assert.That(jobs.Current, Is.Null);
    }
}
