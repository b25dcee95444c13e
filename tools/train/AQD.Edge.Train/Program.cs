using TorchSharp;
var d = new Dictionary<string, torch.Tensor> { ["a.b"] = torch.ones(2, 3), ["c"] = torch.tensor(2.5f) };
TorchSharp.PyBridge.PyTorchPickler.PickleStateDict("/tmp/x.pth", d);
Console.WriteLine("ok");
