namespace AQD.Edge.Aqd;

/// <summary>
/// Parameters of an AQD network from somewhere other than the builder's random generator (a
/// checkpoint), asked for by <see cref="AqdNetworkBuilder"/> with its own layer and tensor names
/// (docs/aqd-models.md, "Checkpoint naming convention").
/// </summary>
internal interface IAqdParameterSource
{
    /// <summary>Quantized weights of the conv weight set <paramref name="name"/>, [cout][k][k][cin].</summary>
    AqdWeights Weights(string name, int outChannels, int kernel, int inChannels, int bits);

    /// <summary>Folded affine of the conv node <paramref name="convName"/> (BN, or bias x level scale): y = Gain acc_real + Offset.</summary>
    (double[] Gain, double[] Offset) Affine(string convName, int outChannels);

    /// <summary>The clip value (real upper bound) of the quantized tensor <paramref name="tensorName"/>.</summary>
    double Clip(string tensorName);

    /// <summary>The scale of an int16 scale group, or null to calibrate it on the photo.</summary>
    double? GroupScale(string group);

    /// <summary>Called once the structure is built (every parameter asked for): report what was wrong.</summary>
    void Complete();
}
