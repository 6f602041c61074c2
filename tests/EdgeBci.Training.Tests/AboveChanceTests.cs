namespace EdgeBci.Training.Tests;

/// <summary>
/// The accuracy guard fails a model that guesses: run on seeded random predictions (a model at chance) it passes
/// fewer than 1 % of the time, where the check it replaced (more than 60 % of 75 windows, i.e. 15 trials each seen at
/// five shifts) passed about one time in seven.
/// </summary>
public class AboveChanceTests
{
    private const int Repetitions = 20_000;

    [Test]
    public void A_model_guessing_at_chance_passes_the_guard_less_than_one_time_in_a_hundred([Values(2, 3)] int classes)
    {
        var random = new Random(11 + classes);
        var passed = 0;
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            var correct = 0;
            for (var trial = 0; trial < 15; trial++)
            {
                correct += random.Next(classes) == 0 ? 1 : 0;
            }

            passed += AboveChance.IsSignificant(correct, 15, classes) ? 1 : 0;
        }

        TestContext.Out.WriteLine($"{classes} classes: a guessing model passed {passed} of {Repetitions}");
        Assert.That(passed, Is.LessThan(Repetitions / 100));
    }

    [Test]
    public void The_windows_check_it_replaced_passed_a_guessing_model_about_one_time_in_seven()
    {
        // A model whose decision on a trial does not change with a shift of the window: each of 15 random trial
        // decisions counts five times among the 75 windows.
        var random = new Random(5);
        var passed = 0;
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            var correctWindows = 0;
            for (var trial = 0; trial < 15; trial++)
            {
                correctWindows += random.Next(2) == 0 ? 5 : 0;
            }

            passed += correctWindows > 75 * 0.6 ? 1 : 0;
        }

        TestContext.Out.WriteLine($"old check: a guessing model passed {passed} of {Repetitions}");
        Assert.That(passed, Is.InRange(Repetitions / 10, Repetitions / 5));
    }

    [Test]
    public void The_guard_asks_13_of_15_trials_for_two_classes_and_10_of_15_for_three()
    {
        Assert.That(AboveChance.IsSignificant(13, 15, 2), Is.True);
        Assert.That(AboveChance.IsSignificant(12, 15, 2), Is.False);
        Assert.That(AboveChance.IsSignificant(10, 15, 3), Is.True);
        Assert.That(AboveChance.IsSignificant(9, 15, 3), Is.False);
    }
}
