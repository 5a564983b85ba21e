from django import template

register = template.Library()


@register.filter
def timecode(milliseconds: int | None) -> str:
    """12345 -> 0:12.3; 3723000 -> 1:02:03.0 (how video players show times)."""
    if milliseconds is None:
        return ""
    seconds, ms = divmod(int(milliseconds), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    tail = f"{seconds:02d}.{ms // 100}"
    return f"{hours}:{minutes:02d}:{tail}" if hours else f"{minutes}:{tail}"
