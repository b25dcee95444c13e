using AQD.Edge.Hardware.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Sources;

/// <summary>
/// The reconnect half of a live source: on a lost stream, logs, waits the next backoff delay on the
/// source's TimeProvider and counts the reconnect; after MaxAttempts consecutive failures it gives up.
/// A good frame resets the backoff (<see cref="OnFrame"/>).
/// </summary>
internal sealed class StreamReconnector(ReconnectPolicy? policy, TimeProvider timeProvider, ILogger logger, string name, FrameSourceStats stats)
{
    private readonly Backoff _backoff = new(policy ?? ReconnectPolicy.Default);
    private bool _reconnecting;

    public void OnFrame()
    {
        if (_reconnecting)
        {
            Log.StreamRestored(logger, name, _backoff.Attempts);
            _reconnecting = false;
        }
        _backoff.Reset();
    }

    /// <summary>Waits before the next attempt; false when the attempts are exhausted.</summary>
    public async ValueTask<bool> WaitAsync(string exitCode, string? lastError, CancellationToken cancellationToken)
    {
        if (_backoff.Exhausted)
        {
            Log.GaveUp(logger, name, _backoff.Attempts);
            return false;
        }
        var delay = _backoff.NextDelay();
        Log.StreamLost(logger, name, exitCode, lastError is null ? "" : "; last error: " + lastError, _backoff.Attempts, delay);
        _reconnecting = true;
        if (delay > TimeSpan.Zero) await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
        stats.AddReconnect();
        return true;
    }
}
