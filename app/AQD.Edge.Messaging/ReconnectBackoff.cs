namespace AQD.Edge.Messaging;

/// <summary>Exponential reconnect delay: min, 2*min, 4*min, ... capped at max (no jitter, so
/// tests with a fake clock are exact). Attempt 0 is the first retry after a failure.</summary>
public static class ReconnectBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max)
    {
        if (attempt <= 0) return min;
        long ticks = min.Ticks;
        for (int i = 0; i < attempt && ticks < max.Ticks; i++) ticks = ticks > long.MaxValue / 2 ? long.MaxValue : ticks * 2;
        return TimeSpan.FromTicks(Math.Min(ticks, max.Ticks));
    }
}
