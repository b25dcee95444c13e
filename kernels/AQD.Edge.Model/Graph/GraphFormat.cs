namespace AQD.Edge.Model.Graph;

/// <summary>Op types of the graph section (docs/blob-format.md, "Graph section"). Values are stored as u16.</summary>
public enum GraphOpType : ushort
{
    Conv2D = 1,
    DepthwiseConv2D = 2,
    Add = 3,
    Concat = 5,
    ResizeNearest2x = 6,
    ResizeBilinear = 7,
    MaxPool = 8,
    GlobalAveragePool = 10,
    ChannelShuffle = 11,
    LookupTable = 12,
    ChannelSlice = 13,
    Requantize = 16,
}

/// <summary>Op flag bits (the op record's u16 <c>flags</c>; docs/blob-format.md).</summary>
[Flags]
public enum GraphOpFlags : ushort
{
    None = 0,

    /// <summary>Conv2D / DepthwiseConv2D: fused LeakyReLU output stage; the param block gains negMultiplier[C], negShift[C] after shift[C].</summary>
    LeakyRelu = 1,
}

/// <summary>Record sizes, offsets and limits of the GRPH section, version 1.</summary>
public static class GraphFormat
{
    public const int Version = 1;
    public const int HeaderSize = 32;
    public const int TensorSize = 48;
    public const int OpSize = 64;
    public const int ParamSetSize = 24;
    public const uint None = 0xFFFFFFFF;

    /// <summary>Weight references are multiples of this within their WGHT section.</summary>
    public const int WeightAlignment = 64;

    /// <summary>Parameter blocks are multiples of this within their PRMS section (the writer uses 64).</summary>
    public const int ParamAlignment = 4;

    /// <summary>Largest tensor, op, param set, reference, input or output count.</summary>
    public const int MaxCount = 1 << 20;

    /// <summary>Largest tensor in bytes (int32 spans).</summary>
    public const long MaxTensorBytes = int.MaxValue;

    // header fields
    public const int HVersion = 0, HFlags = 2, HTensorCount = 4, HOpCount = 8, HParamSetCount = 12,
        HTensorRefCount = 16, HInputCount = 20, HOutputCount = 24, HReserved = 28;

    // tensor fields
    public const int TName = 0, TRank = 4, TStorage = 5, TBits = 6, TFlags = 7, TZeroPoint = 8, TShape = 12,
        TScaleBits = 28, TReserved = 32;

    // op fields
    public const int OType = 0, OFlags = 2, OName = 4, OFirstInput = 8, OInputCount = 12, OOutputCount = 14,
        OFirstOutput = 16, OParamSet = 20, OWeightSection = 24, OWeightFormat = 28, OWeightOffset = 32,
        OWeightLength = 40, OAttributes = 48, OGroups = 56, OExtra = 60;

    // param set fields
    public const int PValueCount = 0, PSection = 4, POffset = 8, PLength = 16, PReserved = 20;

    /// <summary>i32 values in a Conv2D / DepthwiseConv2D requantization block of <paramref name="channels"/> channels.</summary>
    public static int RequantValues(int channels) => 3 * channels + 3;

    /// <summary>i32 values of a Conv2D / DepthwiseConv2D block with the <see cref="GraphOpFlags.LeakyRelu"/> flag.</summary>
    public static int LeakyRequantValues(int channels) => 5 * channels + 3;

    /// <summary>i32 values of a LookupTable block: the output value for each input byte pattern.</summary>
    public const int LookupTableValues = 256;

    /// <summary>i32 values of an Add block: leftShift, mulA, shiftA, mulB, shiftB, mulOut, shiftOut, relu.</summary>
    public const int AddValues = 8;

    /// <summary>i32 values of a GlobalAveragePool block: multiplier, shift, relu.</summary>
    public const int GlobalAveragePoolValues = 3;

    /// <summary>i32 values of a Requantize block: multiplier, shift, inZeroPoint.</summary>
    public const int RequantizeValues = 3;
}
