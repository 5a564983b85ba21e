"""Uploads spilled to disk under a safe temporary name.

Django names the temporary file of a large upload after the user's file name's extension;
an "extension" of 150 accented letters is past the 255 bytes a file name may have, and the
upload answered 500 before any view saw it. The user's name stays the upload's name.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler

from ocr.ingest.names import safe_suffix


class SafeNameTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = TemporaryUploadedFile(
            f"upload{safe_suffix(self.file_name or '')}",
            self.content_type,
            0,
            self.charset,
            self.content_type_extra,
        )
        self.file.name = self.file_name
