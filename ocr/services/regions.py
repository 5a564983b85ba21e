"""Writes of regions: what people correct on a page."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from ocr.models import Region


class VersionConflict(Exception):
    def __init__(self, region: Region) -> None:
        super().__init__("The region was changed by someone else.")
        self.region = region


def edit_region(region: Region, text: str, version: int) -> Region:
    """Compare-and-set on the version, so two people editing one region never overwrite silently."""
    updated = Region.objects.filter(pk=region.pk, version=version).update(
        text=text, version=F("version") + 1, edited=True, updated=timezone.now()
    )
    region.refresh_from_db()
    if not updated:
        raise VersionConflict(region)
    return region
