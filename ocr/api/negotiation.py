from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request


class FileResponseNegotiation(BaseContentNegotiation):
    """For views that answer with a file: a client asking for `Accept: application/pdf` must
    get the file, not a 406 because the API's only renderer is JSON (used for errors)."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0]

    def select_renderer(
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type
