namespace AQD.Edge.Bench.Harness;

/// <summary>
/// A case whose output after <see cref="IBenchCase.Run"/> is a uint8 NHWC image with the
/// baseline's quantization, so the benchmark can check that it computed the same thing.
/// </summary>
public interface IUInt8NhwcOutput
{
    byte[] OutputNhwc();
}
