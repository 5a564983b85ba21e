"""Video timecodes as people read them."""


def format_timecode(ms: int) -> str:
    """Milliseconds as HH:MM:SS.mmm, e.g. 62500 -> 00:01:02.500."""
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}.{millis:03d}"
