using Microsoft.Extensions.Logging;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

/// <summary>ILogger to the test output.</summary>
public sealed class TestLogger(string name) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        TestLog.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {logLevel}: {formatter(state, exception)}");
}
