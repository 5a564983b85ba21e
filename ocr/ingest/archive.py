"""ZIP archives in: judge the whole directory first, then unpack members as separate files."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from .images import SUPPORTED_KINDS
from .limits import IngestError, Limits
from .names import generated_name
from .options import Options
from .pages import InputInfo

_CHUNK = 1024 * 1024
_DAMAGED = "The ZIP archive is damaged and cannot be read."
_NESTED = "ZIP archives inside a ZIP archive are not read; unpack {name} and upload it on its own."
# Skipped, not refused: archivers add these, and they hold nothing to read.
_JUNK_FOLDERS = ("__MACOSX",)


def _is_junk(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    return (
        info.is_dir()
        or not parts
        or any(part in _JUNK_FOLDERS or part.startswith(".") for part in parts)
    )


def _check_safe(info: zipfile.ZipInfo) -> None:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    # Names are flattened on unpacking anyway, but an archive built to escape is refused.
    if name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise IngestError(f"The ZIP archive has an unsafe member name: {info.filename}.")


def _check_member(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise IngestError(f"{info.filename} in the ZIP archive is protected by a password.")
    if info.filename.lower().endswith(".zip"):
        raise IngestError(_NESTED.format(name=info.filename))


# Office Open XML files are ZIPs with this member; their top folder says which program made them.
_OOXML = {
    "word/": "a Word document (.docx)",
    "xl/": "an Excel workbook (.xlsx)",
    "ppt/": "a PowerPoint presentation (.pptx)",
}


def _document_kind(path: Path, infos: list[zipfile.ZipInfo]) -> str | None:
    """What an Office or OpenDocument file is, when this ZIP is one; None for a plain archive."""
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names:
        for folder, what in _OOXML.items():
            if any(name.startswith(folder) for name in names):
                return what
        return "a Microsoft Office document"
    if "mimetype" in names:  # OpenDocument and EPUB keep their media type in this first member
        with zipfile.ZipFile(path) as archive, archive.open("mimetype") as member:
            media = member.read(100).decode("ascii", "replace")
        if media.startswith("application/vnd.oasis.opendocument"):
            return "an OpenDocument file (.odt, .ods or .odp)"
        if media.startswith("application/epub"):
            return "an EPUB book"
    return None


def _refuse_documents(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a document that is a ZIP inside, naming it: read as an archive, its first XML part
    would be refused as "not an image", which says nothing useful."""
    what = _document_kind(path, infos)
    if what is not None:
        raise IngestError(
            f"This is {what}, which Legible does not read: save it as a PDF and upload that. "
            f"Supported: {SUPPORTED_KINDS}."
        )


def _members(path: Path, limits: Limits) -> list[zipfile.ZipInfo]:
    """The members worth reading, after every check that the directory alone allows."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise IngestError(_DAMAGED) from None
    _refuse_documents(path, infos)
    for info in infos:
        _check_safe(info)
    members = [info for info in infos if not _is_junk(info)]
    if not members:
        raise IngestError("The ZIP archive holds no files.")
    limits.check_zip_members(len(members))
    limits.check_zip_bytes(sum(info.file_size for info in members))
    for info in members:
        _check_member(info)
        if info.file_size > limits.max_bytes:
            limits.check_bytes(info.file_size)
    return members


def inspect_zip(path: Path, limits: Limits) -> InputInfo:
    """Member count and checks from the archive's directory; nothing is unpacked."""
    return InputInfo("zip", "ZIP", len(_members(path, limits)), 0, 0)


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, stem, suffix, number = name, PurePosixPath(name).stem, PurePosixPath(name).suffix, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    taken.add(candidate.casefold())
    return candidate


def _copy(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: Limits, total: int
) -> int:
    """Stream one member out, counting real bytes: the directory's sizes may lie."""
    written = 0
    with archive.open(info) as source, target.open("xb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise IngestError(f"{info.filename} in the ZIP archive is larger than it claims.")
            limits.check_zip_bytes(total + written)
            sink.write(chunk)
    return total + written


class Unpacked(NamedTuple):
    """One member on disk: its path (a generated name), what inspecting it found (so callers
    need not open it again), and its base name in the archive, unique within it."""

    path: Path
    info: InputInfo
    name: str


def extract_zip(
    path: Path,
    limits: Limits,
    dest_dir: Path,
    options: Options = Options(),  # noqa: B008 - frozen, so one shared default is safe
) -> list[Unpacked]:
    """Unpack the readable members into dest_dir, all or nothing, under generated names: a
    member's own name may be longer than the file system allows (it is kept as data).

    Each member is checked as an upload of its own; one bad member fails the archive with its
    name in the message, and whatever was written is removed again.
    """
    from .inputs import inspect  # here, not at the top: inputs hands ZIPs to this module

    members = _members(path, limits)
    written: list[Path] = []
    found: list[InputInfo] = []
    names: list[str] = []
    taken: set[str] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in members:
                names.append(
                    _unique_name(PurePosixPath(info.filename.replace("\\", "/")).name, taken)
                )
                target = dest_dir / generated_name(names[-1])
                written.append(target)
                total = _copy(archive, info, target, limits, total)
                try:
                    found.append(inspect(target, limits, options))
                    if found[-1].kind == "zip":
                        raise IngestError(_NESTED.format(name=info.filename))
                except IngestError as exc:
                    message = str(exc)
                    if info.filename not in message:
                        message = f"{info.filename}: {message}"
                    raise IngestError(message) from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        _remove(written)
        raise IngestError(_DAMAGED) from exc
    except BaseException:
        _remove(written)
        raise
    return [Unpacked(*member) for member in zip(written, found, names, strict=True)]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
