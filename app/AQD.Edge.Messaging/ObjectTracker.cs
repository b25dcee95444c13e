namespace AQD.Edge.Messaging;

/// <summary>Tracker settings.</summary>
public sealed record TrackerOptions
{
    /// <summary>Minimum IoU (parts per thousand) for a detection to continue a track of its label.</summary>
    public int MatchIoUPermille { get; init; } = 300;
    /// <summary>A track ends after this many consecutive frames without a match.</summary>
    public int MaxMissedFrames { get; init; } = 5;
    /// <summary>An update event is sent when the box moved so much that the IoU with the last
    /// published box fell below this (parts per thousand), or the top score rose.</summary>
    public int UpdateIoUPermille { get; init; } = 700;
}

/// <summary>
/// Turns per-frame detections of one camera into object events (one object = one event id):
/// greedy IoU matching per label (integer IoU, highest first; ties broken by track age then
/// detection index, so the result is deterministic), <c>new</c> for an unmatched detection,
/// <c>update</c> when the box moved or the top score rose, <c>end</c> after
/// <see cref="TrackerOptions.MaxMissedFrames"/> frames unseen. Times come from the
/// <see cref="TimeProvider"/> unless the caller gives the frame time. Not thread-safe: one
/// tracker per camera, fed by one pipeline stage.
/// </summary>
public sealed class ObjectTracker(string camera, TrackerOptions? options = null, TimeProvider? time = null)
{
    private sealed class Track
    {
        public required string Id;
        public required string Label;
        public PixelBox Box;
        public float Score;
        public float TopScore;
        public double StartTime;
        public double FrameTime;
        public int Missed;
        public int Hits;
        public required EventObject LastPublished;
    }

    private readonly TrackerOptions _options = options ?? new TrackerOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly List<Track> _tracks = [];
    private readonly List<(int Iou, int Track, int Det)> _pairs = [];
    private long _nextId;

    public string Camera { get; } = camera;
    public int ActiveTracks => _tracks.Count;

    /// <summary>Active objects per label (tracks not yet ended), for the count topics.</summary>
    public Dictionary<string, int> CountsByLabel()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in _tracks) counts[t.Label] = counts.GetValueOrDefault(t.Label) + 1;
        return counts;
    }

    /// <summary>Feeds one frame; returns the events it caused (new, update, end in that order per track).</summary>
    public List<ObjectEvent> Update(ReadOnlySpan<Detection> detections, DateTimeOffset? frameTime = null)
    {
        double now = (frameTime ?? _time.GetUtcNow()).ToUnixTimeMilliseconds() / 1000.0;
        var events = new List<ObjectEvent>();

        _pairs.Clear();
        for (int t = 0; t < _tracks.Count; t++)
            for (int d = 0; d < detections.Length; d++)
            {
                if (!string.Equals(_tracks[t].Label, detections[d].Label, StringComparison.Ordinal)) continue;
                int iou = PixelBox.IoUPermille(_tracks[t].Box, detections[d].Box);
                if (iou >= _options.MatchIoUPermille && iou > 0) _pairs.Add((iou, t, d));
            }
        _pairs.Sort((a, b) => a.Iou != b.Iou ? b.Iou.CompareTo(a.Iou) : a.Track != b.Track ? a.Track.CompareTo(b.Track) : a.Det.CompareTo(b.Det));

        Span<bool> detUsed = detections.Length <= 256 ? stackalloc bool[detections.Length] : new bool[detections.Length];
        var trackUsed = new bool[_tracks.Count];
        foreach (var (_, ti, di) in _pairs)
        {
            if (trackUsed[ti] || detUsed[di]) continue;
            trackUsed[ti] = detUsed[di] = true;
            var track = _tracks[ti];
            var det = detections[di];
            track.Box = det.Box;
            track.Score = det.Score;
            track.FrameTime = now;
            track.Missed = 0;
            track.Hits++;
            bool rose = det.Score > track.TopScore;
            if (rose) track.TopScore = det.Score;
            var last = track.LastPublished;
            var lastBox = new PixelBox(last.Box[0], last.Box[1], last.Box[2], last.Box[3]);
            if (rose || PixelBox.IoUPermille(lastBox, det.Box) < _options.UpdateIoUPermille)
                events.Add(Emit(track, EventTypes.Update, endTime: null));
        }

        // Unmatched tracks age (ended ones leave, oldest first); unmatched detections start tracks.
        for (int t = 0; t < trackUsed.Length; t++)
            if (!trackUsed[t]) _tracks[t].Missed++;
        for (int t = 0; t < _tracks.Count;)
        {
            if (_tracks[t].Missed > _options.MaxMissedFrames)
            {
                events.Add(Emit(_tracks[t], EventTypes.End, endTime: now));
                _tracks.RemoveAt(t);
            }
            else t++;
        }
        for (int d = 0; d < detections.Length; d++)
        {
            if (detUsed[d]) continue;
            var det = detections[d];
            var track = new Track
            {
                Id = $"{(long)(now * 1000)}-{++_nextId}",
                Label = det.Label, Box = det.Box, Score = det.Score, TopScore = det.Score,
                StartTime = now, FrameTime = now, Hits = 1, LastPublished = null!,
            };
            _tracks.Add(track);
            events.Add(Emit(track, EventTypes.New, endTime: null));
        }
        return events;
    }

    /// <summary>Ends every active track (shutdown); returns the end events.</summary>
    public List<ObjectEvent> EndAll(DateTimeOffset? time = null)
    {
        double now = (time ?? _time.GetUtcNow()).ToUnixTimeMilliseconds() / 1000.0;
        var events = _tracks.Select(t => Emit(t, EventTypes.End, now)).ToList();
        _tracks.Clear();
        return events;
    }

    private ObjectEvent Emit(Track t, string type, double? endTime)
    {
        var after = new EventObject
        {
            Id = t.Id, Camera = Camera, Label = t.Label, Score = t.Score, TopScore = t.TopScore,
            Box = t.Box.ToArray(), FrameTime = t.FrameTime, StartTime = t.StartTime, EndTime = endTime, Hits = t.Hits,
        };
        var ev = new ObjectEvent { Type = type, Before = t.LastPublished, After = after };
        t.LastPublished = after;
        return ev;
    }
}
