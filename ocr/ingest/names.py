"""Names on disk: the user's file name is data, never a path.

A name of 200 accented letters is 400 bytes, past the 255 bytes a file system allows for one
name; names from ZIP members may hold anything. Files are kept under short generated names,
with at most a plain extension of the user's (tools that guess a type by it see it).
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath

_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def safe_suffix(name: str) -> str:
    """The name's extension, lower case, when it is short ASCII letters and digits; else ""."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""


def generated_name(name: str) -> str:
    """A unique, short, ASCII file name that keeps `name`'s plain extension."""
    return f"{uuid.uuid4().hex[:16]}{safe_suffix(name)}"
