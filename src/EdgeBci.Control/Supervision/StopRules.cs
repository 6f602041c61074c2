namespace EdgeBci.Control.Supervision;

/// <summary>
/// The supervisor's STOP rules as one check: the first precondition that fails at a tick, with its reason and a message
/// naming the value and its bound. The same check refuses an arm request and latches SafeStop while armed. It keeps the
/// one piece of history the rules need: when the last new decision (a new sample index) arrived.
/// </summary>
internal sealed class StopRules
{
    private readonly HashSet<string>? _requiredChannels;
    private readonly TimeSpan _frameTimeout;
    private readonly TimeSpan _decisionTimeout;
    private readonly TimeSpan _decisionMaxAge;
    private readonly TimeSpan _ackTimeout;
    private bool _hasDecision;
    private long _lastSampleIndex;
    private TimeSpan _lastNewDecisionAt;

    public StopRules(ControlOptions options)
    {
        _requiredChannels = options.RequiredChannels.Length == 0 ? null : new HashSet<string>(options.RequiredChannels, StringComparer.OrdinalIgnoreCase);
        _frameTimeout = options.FrameTimeout;
        _decisionTimeout = options.DecisionTimeout;
        _decisionMaxAge = options.DecisionMaxAge;
        _ackTimeout = options.ActuatorAckTimeout;
    }

    /// <summary>Notes when a new decision arrived; call once per tick before <see cref="Find"/>.</summary>
    public void Observe(IntentDecision? decision)
    {
        if (decision is null)
        {
            return;
        }

        if (!_hasDecision || decision.SampleIndex != _lastSampleIndex)
        {
            _hasDecision = true;
            _lastSampleIndex = decision.SampleIndex;
            _lastNewDecisionAt = decision.ReceivedAt;
        }
    }

    /// <summary>The first failing precondition, or null when every one holds.</summary>
    /// <param name="now">The tick's time.</param>
    /// <param name="inputs">What is observed.</param>
    /// <param name="armedModel">The model identity the supervisor was armed with; null when not armed.</param>
    public Fault? Find(TimeSpan now, SupervisorInputs inputs, string? armedModel)
    {
        if (!inputs.EStopClosed)
        {
            return new(SupervisorReason.EStopOpen, "the e-stop circuit is open");
        }

        if (inputs.LastFrameTime is not { } frame)
        {
            return new(SupervisorReason.FrameTimeout, "no EEG frame received");
        }

        if (Late(now, frame, _frameTimeout))
        {
            return new(SupervisorReason.FrameTimeout, ControlOptions.Invariant($"last EEG frame {(now - frame).TotalMilliseconds:0.#} ms ago (bound {_frameTimeout.TotalMilliseconds:0} ms)"));
        }

        if (ChannelFault(inputs.Channels ?? []) is { } channel)
        {
            return channel;
        }

        if (ModelFault(inputs, armedModel) is { } model)
        {
            return model;
        }

        if (!inputs.DecoderHealthy)
        {
            return new(SupervisorReason.DecoderFault, "the decoder reports a failure");
        }

        if (inputs.LastDecision is not { } decision)
        {
            return new(SupervisorReason.DecisionTimeout, "no decision received");
        }

        if (Late(now, _lastNewDecisionAt, _decisionTimeout))
        {
            return new(SupervisorReason.DecisionTimeout, ControlOptions.Invariant($"no new decision for {(now - _lastNewDecisionAt).TotalMilliseconds:0.#} ms (bound two hops, {_decisionTimeout.TotalMilliseconds:0} ms)"));
        }

        if (Late(now, decision.DataTime, _decisionMaxAge))
        {
            return new(SupervisorReason.DecisionStale, ControlOptions.Invariant($"the decision describes data {(now - decision.DataTime).TotalMilliseconds:0.#} ms old (bound {_decisionMaxAge.TotalMilliseconds:0} ms)"));
        }

        if (inputs.ActuatorAcknowledged is not { } ack)
        {
            return new(SupervisorReason.ActuatorNoAck, "the actuator has not acknowledged");
        }

        if (Late(now, ack, _ackTimeout))
        {
            return new(SupervisorReason.ActuatorNoAck, ControlOptions.Invariant($"the actuator last acknowledged {(now - ack).TotalMilliseconds:0.#} ms ago (bound {_ackTimeout.TotalMilliseconds:0} ms)"));
        }

        return null;
    }

    /// <summary>
    /// Unverified, unidentified, or not the model the unit was armed with: the firmware swaps models only while disarmed,
    /// so a change while armed is a fault in that guard (defence in depth), never a swap to go along with.
    /// </summary>
    private static Fault? ModelFault(SupervisorInputs inputs, string? armedModel)
    {
        if (!inputs.ModelVerified)
        {
            return new(SupervisorReason.ModelFault, "the model is not verified");
        }

        if (inputs.ModelIdentity is not { } identity)
        {
            return new(SupervisorReason.ModelFault, armedModel is null
                ? "the model's identity (id and version) is not reported"
                : $"the model's identity is no longer reported (armed with '{armedModel}')");
        }

        if (armedModel is not null && !string.Equals(identity, armedModel, StringComparison.Ordinal))
        {
            return new(SupervisorReason.ModelFault, $"the model changed from '{armedModel}' to '{identity}' while armed");
        }

        return null;
    }

    private Fault? ChannelFault(IReadOnlyList<ChannelState> channels)
    {
        if (channels.Count == 0)
        {
            return new(SupervisorReason.ChannelQuality, "no channel quality reported");
        }

        if (_requiredChannels is not null)
        {
            foreach (var name in _requiredChannels)
            {
                var found = false;
                foreach (var channel in channels)
                {
                    if (string.Equals(channel.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return new(SupervisorReason.ChannelQuality, $"required channel {name} is not reported");
                }
            }
        }

        foreach (var channel in channels)
        {
            if (_requiredChannels is not null && !_requiredChannels.Contains(channel.Name))
            {
                continue;
            }

            if (channel.LeadOff)
            {
                return new(SupervisorReason.LeadOff, $"lead-off on {channel.Name}");
            }

            if (channel.Railing)
            {
                return new(SupervisorReason.Railing, $"{channel.Name} is railing");
            }

            if (!channel.QualityGood)
            {
                return new(SupervisorReason.ChannelQuality, $"{channel.Name} quality is bad");
            }

            if (channel.Settling)
            {
                // Reached only by a channel that was bad (which already stopped an armed unit) or has not been good for
                // the hold-off since switch-on: in effect an arming rule. A channel must have been good for the whole hold-off.
                return new(SupervisorReason.ChannelQuality, channel.SettlingReason is { } why
                    ? $"{channel.Name} has not been good for the quality hold-off yet (settling {why})"
                    : $"{channel.Name} has not been good for the quality hold-off yet");
            }
        }

        return null;
    }

    /// <summary>Older than the bound, or so far in the future that the producer's clock cannot be this one.</summary>
    private static bool Late(TimeSpan now, TimeSpan then, TimeSpan bound)
    {
        var age = now - then;
        return age > bound || age < -bound;
    }
}

/// <summary>A failed precondition: the STOP rule and what it saw.</summary>
internal readonly record struct Fault(SupervisorReason Reason, string Message);
