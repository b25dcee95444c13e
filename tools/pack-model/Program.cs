using AQD.Edge.PackModel;

return PackModelCli.Run(args, Console.Out, Console.Error);
