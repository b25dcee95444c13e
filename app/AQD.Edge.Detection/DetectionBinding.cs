using AQD.Edge.Engine;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Detection;

namespace AQD.Edge.Detection;

/// <summary>Checks that a DETC section fits its graph: input size and format, output indices, sizes and formats.</summary>
internal static class DetectionBinding
{
    public static void Check(BlobReader blob, InferenceEngine engine, DetectionParams p)
    {
        var section = blob.Find(SectionKind.Detection)!;
        BlobFormatException Fail(string field, string problem)
            => new(blob.SourceName, section.Label, field, section.Offset + DetectionSection.FieldOffset(p, field), problem);
        var graph = engine.Graph;
        if (engine.InputCount != 1)
        {
            throw Fail("inputChannels", $"the graph has {engine.InputCount} inputs; a detector has one image input.");
        }
        var input = graph.Tensors[graph.Inputs[0]];
        if (input.Width != p.InputWidth || input.Height != p.InputHeight || input.Channels != p.InputSource.Length || input.Format.Storage != ActivationStorage.UInt8)
        {
            throw Fail("inputWidth", $"the tables describe a {p.InputWidth}x{p.InputHeight}x{p.InputSource.Length} uint8 input; the graph input is {input.Width}x{input.Height}x{input.Channels} {input.Format}.");
        }
        var decoder = new DetectionDecoder(p);
        for (int i = 0; i < p.Levels.Count; i++)
        {
            var l = p.Levels[i];
            var (cls, box, ctr) = decoder.RequiredBytes(i);
            CheckOutput($"levels[{i}].classOutput", l.ClassOutput, cls, l.ClassStorage);
            CheckOutput($"levels[{i}].boxOutput", l.BoxOutput, box, l.BoxSigned ? ActivationStorage.Int8 : ActivationStorage.UInt8);
            if (l.CenternessOutput >= 0)
            {
                CheckOutput($"levels[{i}].centernessOutput", l.CenternessOutput, ctr, l.CenternessSigned ? ActivationStorage.Int8 : ActivationStorage.UInt8);
            }
        }

        void CheckOutput(string field, int index, int bytes, ActivationStorage want)
        {
            if (index >= engine.OutputCount)
            {
                throw Fail(field, $"output {index} does not exist; the graph has {engine.OutputCount} outputs.");
            }
            var t = graph.Tensors[graph.Outputs[index]];
            if (t.Format.Storage != want || t.Bytes != bytes)
            {
                throw Fail(field, $"output {index} ('{t.Name}') is {t.Height}x{t.Width}x{t.Channels} {t.Format} ({t.Bytes} bytes); the tables expect {bytes} bytes of {want}.");
            }
        }
    }
}
