"""What a search returns: hits, fetched a page at a time so a common word in a million
regions costs one count and one LIMIT query, not a million rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload


@dataclass(frozen=True)
class Hit:
    region: int
    input: int
    page: int
    text: str
    headline: str  # HTML: the text escaped, the matched words in <mark>...</mark>
    polygon: list[list[float]]
    rank: float  # higher is better; exact matches are >= 1, fuzzy-only ones below 1


class Hits(Sequence[Hit]):
    """A lazy, sliceable sequence in rank order, as Django's Paginator wants it."""

    def __init__(
        self, count: Callable[[], int], fetch: Callable[[int, int | None], list[Hit]]
    ) -> None:
        self._count = count
        self._fetch = fetch
        self._total: int | None = None

    @classmethod
    def of(cls, hits: list[Hit]) -> Hits:
        return cls(lambda: len(hits), lambda start, limit: hits[start:][:limit])

    def count(self) -> int:  # type: ignore[override]  # Paginator calls count() first
        if self._total is None:
            self._total = self._count()
        return self._total

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, key: int) -> Hit: ...
    @overload
    def __getitem__(self, key: slice) -> list[Hit]: ...
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            if key.step not in (None, 1) or (key.start or 0) < 0 or (key.stop or 0) < 0:
                raise ValueError("Hits slice only forwards, step 1.")
            start = key.start or 0
            limit = None if key.stop is None else max(0, key.stop - start)
            return self._fetch(start, limit) if limit != 0 else []
        found = self._fetch(key, 1)
        if not found:
            raise IndexError(key)
        return found[0]

    def __iter__(self) -> Iterator[Hit]:
        return iter(self._fetch(0, None))
