using AQD.Edge.MakeDataset;

return MakeDatasetCli.Run(args, Console.Out, Console.Error);
