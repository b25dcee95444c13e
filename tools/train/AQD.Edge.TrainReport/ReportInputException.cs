namespace AQD.Edge.TrainReport;

/// <summary>A run folder or metrics.json the report cannot use; the message names the file and the field.</summary>
public sealed class ReportInputException(string message, Exception? inner = null) : Exception(message, inner);
