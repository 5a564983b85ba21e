"""Files through Django's storage API, so workers on other machines read and write them too.

Ingest reads paths (PDFium, PyAV and Pillow open files), so a worker needs the input on its
own disk: the storage's own file when it has one (the embedded FileSystemStorage), else a copy
downloaded once per process and kept for the next chunk of the same input.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import Storage

# Copies kept per worker process: a chunk's next chunk is usually of the same input, and a
# 500 MB PDF should come down once, not once per chunk.
KEEP_COPIES = 2

_lock = threading.Lock()
_copies: OrderedDict[tuple[int, str], Path] = OrderedDict()
_folder: Path | None = None


def local_path(storage: Storage, name: str) -> Path | None:
    """The file's path on this machine, when the storage keeps files on a local disk."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # object storage has no paths
        return None


@contextmanager
def local_copy(storage: Storage, name: str) -> Iterator[Path]:
    """A path on this machine holding the stored file `name`, valid inside the block."""
    path = local_path(storage, name)
    if path is not None:
        yield path
        return
    key = (id(storage), name)
    with _lock:
        cached = _copies.get(key)
        if cached is not None and cached.exists():
            _copies.move_to_end(key)
        else:
            cached = _download(storage, name)
            _copies[key] = cached
            while len(_copies) > KEEP_COPIES:
                _, old = _copies.popitem(last=False)
                old.unlink(missing_ok=True)
    yield cached


def local_file(storage: Storage, name: str, folder: Path) -> Path:
    """The stored file's own path when the storage has paths, else a copy made in `folder`."""
    path = local_path(storage, name)
    if path is not None:
        return path
    target = folder / f"{uuid.uuid4().hex[:12]}-{Path(name).name}"
    _copy(storage, name, target)
    return target


def _copy(storage: Storage, name: str, target: Path) -> None:
    with storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, length=1024 * 1024)


def _download(storage: Storage, name: str) -> Path:
    global _folder
    if _folder is None or not _folder.exists():
        _folder = Path(tempfile.mkdtemp(prefix="legible-inputs-"))
    target = _folder / f"{uuid.uuid4().hex[:12]}{Path(name).suffix}"
    _copy(storage, name, target)
    return target


def forget_copies() -> None:
    """Remove this process's downloaded copies (tests, and a worker shutting down)."""
    with _lock:
        for path in _copies.values():
            path.unlink(missing_ok=True)
        _copies.clear()
