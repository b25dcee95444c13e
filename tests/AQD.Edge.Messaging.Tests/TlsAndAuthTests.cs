using System.Diagnostics;
using AQD.Edge.Messaging.Tests.Infrastructure;

namespace AQD.Edge.Messaging.Tests;

/// <summary>TLS (CA file, allow-untrusted) and username/password against a real mosquitto with a
/// self-signed certificate for 127.0.0.1 (made with openssl) and a password file (mosquitto_passwd).</summary>
public sealed class TlsAndAuthTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aqd-tls-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {err}");
    }

    private async Task<Mosquitto> StartTlsBrokerAsync()
    {
        string cert = Path.Combine(_dir, "server.crt"), key = Path.Combine(_dir, "server.key"), pw = Path.Combine(_dir, "passwd");
        Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE");
        Run("mosquitto_passwd", "-b", "-c", pw, "edge", "s3cret");
        return await Mosquitto.StartAsync(listenerConfig: $"""
            certfile {cert}
            keyfile {key}
            allow_anonymous false
            password_file {pw}
            """);
    }

    private MqttOptions Options(int port, Action<MqttOptions> tweak)
    {
        var o = new MqttOptions
        {
            DeviceId = "tlsdev", Host = "127.0.0.1", Port = port, UseTls = true, QueuePath = Path.Combine(_dir, "q-" + Guid.NewGuid().ToString("N")),
            Username = "edge", Password = "s3cret", ReconnectMinDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            StatsInterval = TimeSpan.FromHours(1),
        };
        tweak(o);
        return o;
    }

    [Fact]
    public async Task Tls_with_ca_file_or_allow_untrusted_connects_and_wrong_trust_or_password_does_not()
    {
        await using var broker = await StartTlsBrokerAsync();
        string ca = Path.Combine(_dir, "server.crt");
        var ct = TestContext.Current.CancellationToken;

        await using (var pub = new MqttPublisher(Options(broker.Port, o => o.CaFile = ca), new TestLogger("ca")))
        {
            await pub.StartAsync(ct);
            await Wait.UntilAsync(() => pub.IsOnline, Wait.Long, "online over TLS with the CA file");
            pub.PublishEvent(new ObjectEvent { Type = EventTypes.New, After = new EventObject { Id = "1", Camera = "c", Label = "l", Box = [0, 0, 1, 1] } });
            Assert.True(await pub.WaitForQueueEmptyAsync(Wait.Long, ct));
        }
        await using (var pub = new MqttPublisher(Options(broker.Port, o => o.AllowUntrustedCertificates = true), new TestLogger("untrusted")))
        {
            await pub.StartAsync(ct);
            await Wait.UntilAsync(() => pub.IsOnline, Wait.Long, "online over TLS, any certificate allowed");
        }
        await using (var pub = new MqttPublisher(Options(broker.Port, _ => { }), new TestLogger("no-trust")))
        {
            await pub.StartAsync(ct);
            await Wait.UntilAsync(() => pub.ConnectFailures >= 2, Wait.Long, "untrusted self-signed certificate refused");
            Assert.Equal(0, pub.Connects);
        }
        await using (var pub = new MqttPublisher(Options(broker.Port, o => { o.CaFile = ca; o.Password = "wrong"; }), new TestLogger("bad-password")))
        {
            await pub.StartAsync(ct);
            await Wait.UntilAsync(() => pub.ConnectFailures >= 2, Wait.Long, "wrong password refused");
            Assert.Equal(0, pub.Connects);
        }
    }
}
