using AQD.Edge.Worker.Cli;

return WorkerCli.Run(args, Console.Out, Console.Error);
