namespace AQD.Edge.Hardware.Sources;

/// <summary>Exponential backoff for re-opening a lost stream.</summary>
/// <param name="InitialDelay">Delay before the first reconnect.</param>
/// <param name="MaxDelay">Cap of the delay.</param>
/// <param name="Multiplier">Growth per consecutive failure (integer, e.g. 2).</param>
/// <param name="JitterPercent">0..100: each delay is shortened by a random 0..JitterPercent % (0 = deterministic).</param>
/// <param name="MaxAttempts">Consecutive failed attempts before giving up (null = never give up).</param>
public sealed record ReconnectPolicy(
    TimeSpan InitialDelay,
    TimeSpan MaxDelay,
    int Multiplier = 2,
    int JitterPercent = 0,
    int? MaxAttempts = null)
{
    /// <summary>1 s, doubling, capped at 30 s, forever.</summary>
    public static ReconnectPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
}

/// <summary>The state of one backoff sequence: delays InitialDelay * Multiplier^n capped at MaxDelay;
/// <see cref="Reset"/> after a good frame.</summary>
public sealed class Backoff
{
    private readonly ReconnectPolicy _policy;
    private readonly Random? _random;
    private TimeSpan _next;

    /// <summary>Creates the backoff; <paramref name="random"/> only matters with jitter.</summary>
    public Backoff(ReconnectPolicy policy, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(policy.Multiplier, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(policy.JitterPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(policy.JitterPercent, 100);
        _policy = policy;
        _random = policy.JitterPercent > 0 ? random ?? Random.Shared : null;
        _next = policy.InitialDelay;
    }

    /// <summary>Consecutive attempts since the last reset.</summary>
    public int Attempts { get; private set; }

    /// <summary>True when MaxAttempts consecutive attempts have been used.</summary>
    public bool Exhausted => _policy.MaxAttempts is int max && Attempts >= max;

    /// <summary>The delay before the next attempt; advances the sequence.</summary>
    public TimeSpan NextDelay()
    {
        var delay = _next;
        Attempts++;
        long grown = delay.Ticks > _policy.MaxDelay.Ticks / _policy.Multiplier ? _policy.MaxDelay.Ticks : delay.Ticks * _policy.Multiplier;
        _next = TimeSpan.FromTicks(Math.Min(grown, _policy.MaxDelay.Ticks));
        if (_random is not null) delay -= TimeSpan.FromTicks(delay.Ticks / 100 * _random.Next(_policy.JitterPercent + 1));
        return delay;
    }

    /// <summary>Back to the initial delay (after the stream delivered a frame).</summary>
    public void Reset()
    {
        _next = _policy.InitialDelay;
        Attempts = 0;
    }
}
