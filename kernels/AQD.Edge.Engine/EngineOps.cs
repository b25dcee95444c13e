using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.Movement;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Engine;

/// <summary>A byte range of the arena.</summary>
internal readonly record struct Slot(int Offset, int Length)
{
    public Span<byte> In(byte[] arena) => arena.AsSpan(Offset, Length);
}

/// <summary>A prepared op bound to its arena slots. Run does no allocation and no checks beyond the kernels' span checks.</summary>
internal abstract class EngineOp
{
    public Slot[] Inputs = [];
    public Slot Output;
    public Slot Scratch;

    /// <summary>Scratch bytes the op needs (0 for none).</summary>
    public virtual int ScratchBytes => 0;

    public abstract void Run(byte[] arena);

    protected static Span<sbyte> S(Span<byte> b) => MemoryMarshal.Cast<byte, sbyte>(b);
    protected static Span<short> H(Span<byte> b) => MemoryMarshal.Cast<byte, short>(b);
    protected static bool Signed(ActivationFormat f) => f.Storage == ActivationStorage.Int8;
}

/// <summary>
/// An op whose output rows can be computed in disjoint bands concurrently (<see cref="BandWorkers"/>).
/// Its scratch slot holds one scratch region per participant, <see cref="ScratchStride"/> bytes apart
/// (64-byte multiples), so participant p uses [Scratch.Offset + p * ScratchStride, + ScratchBytes).
/// </summary>
internal abstract class BandedOp : EngineOp, IBandWork
{
    /// <summary>The arena the bands run on (set at load; the engine's single arena).</summary>
    public byte[] Arena = [];
    public int ScratchStride;

    /// <summary>Bands this op is split into (1 = runs on the calling thread), set at load.</summary>
    public int Bands = 1;

    public abstract int Units { get; }

    /// <summary>Multiply-accumulates of one run (to decide whether splitting pays).</summary>
    public abstract long Macs { get; }

    public override void Run(byte[] arena) => RunRows(arena, Scratch.In(arena), 0, Units);

    public void RunBand(int participant, int start, int end)
        => RunRows(Arena, Arena.AsSpan(Scratch.Offset + participant * ScratchStride, ScratchBytes), start, end);

    protected abstract void RunRows(byte[] arena, Span<byte> scratch, int start, int end);
}

internal sealed class ConvOp(QuantizedConv conv) : BandedOp
{
    public override int ScratchBytes => conv.ScratchBytes;
    public override int Units => conv.Geometry.OutHeight;
    public override long Macs => conv.Macs;
    protected override void RunRows(byte[] arena, Span<byte> scratch, int start, int end)
        => conv.Run(Inputs[0].In(arena), Output.In(arena), scratch, start, end);
}

internal sealed class DepthwiseOp(DepthwiseConvolution dw) : BandedOp
{
    public override int ScratchBytes => dw.ScratchBytes;
    public override int Units => dw.Geometry.OutHeight;
    public override long Macs => dw.Geometry.Macs;
    protected override void RunRows(byte[] arena, Span<byte> scratch, int start, int end)
        => dw.Run(Inputs[0].In(arena), Output.In(arena), scratch, start, end);
}

internal sealed class AddOp(QuantizedAddParams p, QuantizedAddVariant variant) : EngineOp
{
    public override void Run(byte[] arena)
    {
        Span<byte> a = Inputs[0].In(arena), b = Inputs[1].In(arena), o = Output.In(arena);
        switch (p.A.Storage, p.B.Storage, p.Output.Storage)
        {
            case (ActivationStorage.Int8, _, _):
                variant.Run<sbyte, sbyte, sbyte>(p, S(a), S(b), S(o));
                break;
            case (ActivationStorage.Int16, ActivationStorage.Int16, _):
                variant.Run<short, short, short>(p, H(a), H(b), H(o));
                break;
            case (ActivationStorage.Int16, _, _):
                variant.Run<short, byte, short>(p, H(a), b, H(o));
                break;
            case (_, ActivationStorage.Int16, _):
                variant.Run<byte, short, short>(p, a, H(b), H(o));
                break;
            case (_, _, ActivationStorage.Int16):
                variant.Run<byte, byte, short>(p, a, b, H(o));
                break;
            default:
                variant.Run<byte, byte, byte>(p, a, b, o);
                break;
        }
    }
}

internal sealed class MaxPoolOp(MaxPoolParams p, MaxPoolVariant variant) : EngineOp
{
    public override void Run(byte[] arena)
    {
        if (Signed(p.Format))
        {
            variant.Run<sbyte>(p, S(Inputs[0].In(arena)), S(Output.In(arena)));
        }
        else
        {
            variant.Run<byte>(p, Inputs[0].In(arena), Output.In(arena));
        }
    }
}

internal sealed class GlobalAveragePoolOp(GlobalAveragePoolParams p, GlobalAveragePoolVariant variant) : EngineOp
{
    public override void Run(byte[] arena)
    {
        Span<byte> i = Inputs[0].In(arena), o = Output.In(arena);
        switch (Signed(p.Input), Signed(p.Output))
        {
            case (false, false): variant.Run<byte, byte>(p, i, o); break;
            case (false, true): variant.Run<byte, sbyte>(p, i, S(o)); break;
            case (true, false): variant.Run<sbyte, byte>(p, S(i), o); break;
            default: variant.Run<sbyte, sbyte>(p, S(i), S(o)); break;
        }
    }
}

internal sealed class BilinearOp(BilinearParams p, BilinearVariant variant) : EngineOp
{
    public override void Run(byte[] arena)
    {
        if (Signed(p.Format))
        {
            variant.Run<sbyte>(p, S(Inputs[0].In(arena)), S(Output.In(arena)));
        }
        else
        {
            variant.Run<byte>(p, Inputs[0].In(arena), Output.In(arena));
        }
    }
}

/// <summary>Byte-moving ops: the element type does not matter, so they run on bytes.</summary>
internal sealed class NearestUpsample2xOp(NearestUpsample2xParams p) : EngineOp
{
    public override void Run(byte[] arena) => NearestUpsample2x.Run<byte>(p, Inputs[0].In(arena), Output.In(arena));
}

internal sealed class ConcatOp(ConcatChannelsParams p) : EngineOp
{
    public override void Run(byte[] arena)
    {
        Span<byte> o = Output.In(arena);
        for (int i = 0; i < Inputs.Length; i++)
        {
            ConcatChannels.CopyInput<byte>(p, i, Inputs[i].In(arena), o);
        }
    }
}

internal sealed class ChannelSliceOp(ChannelSliceParams p) : EngineOp
{
    public override void Run(byte[] arena) => ChannelSlice.Run<byte>(p, Inputs[0].In(arena), Output.In(arena));
}

/// <summary>256-entry table (sigmoid at detector outputs): uint8/int8 in, uint8/int8/int16 out.</summary>
internal sealed class LookupTableOp(LookupTable table, LookupTableVariant variant) : EngineOp
{
    public override void Run(byte[] arena)
    {
        ReadOnlySpan<byte> i = Inputs[0].In(arena);
        Span<byte> o = Output.In(arena);
        if (table.IsWide)
        {
            if (Signed(table.Input))
            {
                variant.Run<sbyte, short>(table, MemoryMarshal.Cast<byte, sbyte>(i), MemoryMarshal.Cast<byte, short>(o));
            }
            else
            {
                variant.Run<byte, short>(table, i, MemoryMarshal.Cast<byte, short>(o));
            }
            return;
        }
        switch (Signed(table.Input), Signed(table.Output))
        {
            case (false, false): variant.Run<byte, byte>(table, i, o); break;
            case (false, true): variant.Run<byte, sbyte>(table, i, S(o)); break;
            case (true, false): variant.Run<sbyte, byte>(table, MemoryMarshal.Cast<byte, sbyte>(i), o); break;
            default: variant.Run<sbyte, sbyte>(table, MemoryMarshal.Cast<byte, sbyte>(i), S(o)); break;
        }
    }
}

internal sealed class ChannelShuffleOp(ChannelShuffleParams p) : EngineOp
{
    public override void Run(byte[] arena) => ChannelShuffle.Run<byte>(p, Inputs[0].In(arena), Output.In(arena));
}

/// <summary>Format conversion with rescaling (any activation format to any other), on raw bytes.</summary>
internal sealed class RequantizeOp(RequantizeParams p, RequantizeVariant variant) : EngineOp
{
    public override void Run(byte[] arena) => variant.Run(p, Inputs[0].In(arena), Output.In(arena));
}
