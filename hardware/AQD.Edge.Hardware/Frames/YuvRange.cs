namespace AQD.Edge.Hardware.Frames;

/// <summary>Which BT.601 YUV encoding the camera writes.</summary>
public enum YuvRange
{
    /// <summary>Studio swing: Y 16..235, U/V 16..240 (most UVC webcams, rpicam-vid video modes).</summary>
    Limited,
    /// <summary>Full swing: Y, U, V 0..255 (JPEG / sYCC).</summary>
    Full,
}
