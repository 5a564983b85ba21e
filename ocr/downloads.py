"""The Content-Disposition of every file Legible serves (RFC 6266, with RFC 5987's `filename*`).

Download names come from what users uploaded (a file's name, a ZIP member's), so they are data
an attacker chooses: a quote or a semicolon in them must never end the parameter and add one of
its own. The name is cleaned first; then `filename=` carries an ASCII-only fallback in a quoted
string that holds no quote or backslash, and `filename*=UTF-8''...` the whole name
percent-encoded, which browsers prefer.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Longest name served, in characters: file systems take 255 bytes, and a UTF-8 character takes
# up to four.
MAX_NAME = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\"<>:|?*;\u2028\u2029\ufeff]+')
_NOT_FALLBACK = re.compile(r"[^A-Za-z0-9 ._()+,=@&!#$%'~-]+")
# RFC 5987 attr-char: what filename* may hold unescaped.
_ATTR_CHARS = "!#$&+-.^_`|~"


def safe_filename(name: str, default: str = "download") -> str:
    """`name` without folders, control characters or characters file systems refuse, trimmed to
    MAX_NAME characters with its extension kept; `default` when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("_", name).strip(" ._")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_NAME - len(extension) - 1].rstrip(" ._") + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or default


def ascii_filename(name: str) -> str:
    """An ASCII rendering of a safe name: accents dropped, anything else as '_'."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_FALLBACK.sub("_", plain).strip(" _") or "download"


def content_disposition(name: str, *, attachment: bool = True) -> str:
    """The header's value for serving a file called `name` (cleaned here)."""
    kind = "attachment" if attachment else "inline"
    safe = safe_filename(name)
    fallback = ascii_filename(safe)
    value = f'{kind}; filename="{fallback}"'
    if fallback != safe:
        value += f"; filename*=UTF-8''{quote(safe, safe=_ATTR_CHARS)}"
    return value
