namespace EdgeBci.Recording.Tests;

public class EdfSignalHeaderTests
{
    [TestCase("Fc3.", "FC3")]
    [TestCase("C3..", "C3")]
    [TestCase("  Cz..  ", "CZ")]
    [TestCase("EEG Fp1", "FP1")]
    [TestCase("T10.", "T10")]
    [TestCase("Iz", "IZ")]
    public void NormalizedLabel_drops_padding_the_EEG_prefix_and_trailing_dots_and_upper_cases(string label, string expected)
    {
        Assert.That(new EdfSignalHeader { Label = label }.NormalizedLabel, Is.EqualTo(expected));
    }

    [TestCase("EDF Annotations", true)]
    [TestCase("BDF Annotations", true)]
    [TestCase("EDF Annotations ", true)]
    [TestCase("EEG Fp1", false)]
    [TestCase("Annotations", false)]
    public void Only_the_EDF_and_BDF_annotation_labels_mark_an_annotation_signal(string label, bool expected)
    {
        Assert.That(new EdfSignalHeader { Label = label }.IsAnnotation, Is.EqualTo(expected));
    }

    [Test]
    public void Gain_and_offset_map_the_digital_range_onto_the_physical_range()
    {
        var header = new EdfSignalHeader { PhysicalMinimum = -200, PhysicalMaximum = 200, DigitalMinimum = -2048, DigitalMaximum = 2047 };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.Gain, Is.EqualTo(400.0 / 4095).Within(1e-15));
            Assert.That(header.Offset, Is.EqualTo(200 - (400.0 / 4095 * 2047)).Within(1e-12));
            Assert.That((header.Gain * -2048) + header.Offset, Is.EqualTo(-200).Within(1e-9));
            Assert.That((header.Gain * 2047) + header.Offset, Is.EqualTo(200).Within(1e-9));
        }
    }

    [Test]
    public void An_inverted_physical_range_gives_a_negative_gain()
    {
        var header = new EdfSignalHeader { PhysicalMinimum = 100, PhysicalMaximum = -100, DigitalMinimum = 0, DigitalMaximum = 1000 };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.Gain, Is.EqualTo(-0.2).Within(1e-15));
            Assert.That(header.Offset, Is.EqualTo(100).Within(1e-12));
        }
    }
}
