namespace EdgeBci.Control.Supervision;

/// <summary>
/// What an automatic arm (the emulator's Control:AutoArmOnEmulator, the live replay) can see is ready before it asks:
/// the e-stop closed, a verified model and a healthy decoder, a fresh frame and decision, and every required channel
/// good and settled. The supervisor still checks every precondition itself; this only keeps the asker from asking once
/// a second while the channels settle after switch-on.
/// </summary>
public static class ArmPreconditions
{
    public static bool Visible(SupervisorInputs inputs, ControlOptions options, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        return inputs.EStopClosed && inputs.ModelVerified && inputs.DecoderHealthy
            && inputs.LastFrameTime is { } frame && now - frame <= options.FrameTimeout
            && inputs.LastDecision is { } decision && now - decision.ReceivedAt <= options.DecisionTimeout
            && RequiredChannelsSettled(inputs.Channels, options.RequiredChannels);
    }

    /// <summary>Every required channel (all, when none is named) reported good and past its quality hold-off.</summary>
    private static bool RequiredChannelsSettled(IReadOnlyList<ChannelState> channels, string[] required)
    {
        if (channels.Count == 0)
        {
            return false;
        }

        var usable = 0;
        foreach (var channel in channels)
        {
            if (required.Length > 0 && !Names(required, channel.Name))
            {
                continue;
            }

            if (!channel.QualityGood || channel.LeadOff || channel.Railing || channel.Settling)
            {
                return false;
            }

            usable++;
        }

        return usable >= required.Length;

        static bool Names(string[] names, string name)
        {
            foreach (var candidate in names)
            {
                if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
