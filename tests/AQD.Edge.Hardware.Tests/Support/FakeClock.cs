using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Hardware.Tests.Support;

/// <summary>Drives a FakeTimeProvider forward in small steps until a task finishes (for backoff waits).</summary>
internal static class FakeClock
{
    public static async Task<T> RunAsync<T>(FakeTimeProvider clock, Func<Task<T>> body, TimeSpan step, TimeSpan realTimeout)
    {
        var task = Task.Run(body);
        var deadline = DateTime.UtcNow + realTimeout;
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("test body did not finish");
            await Task.Delay(5);
            clock.Advance(step);
        }
        return await task;
    }
}
