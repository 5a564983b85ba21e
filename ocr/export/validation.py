"""Offline validation against the vendored official ALTO and PAGE schemas."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from lxml import etree  # type: ignore[import-untyped]

from .errors import ExportError

SCHEMA_DIR = Path(__file__).parent / "schemas"
SCHEMAS = {"alto": "alto-4-4.xsd", "page": "pagecontent.xsd"}
# ALTO imports XLink from loc.gov; answer that from the vendored copy, never the network.
LOCAL_IMPORTS = {"http://www.loc.gov/standards/xlink/xlink.xsd": SCHEMA_DIR / "xlink.xsd"}

SchemaName = Literal["alto", "page"]


class _OfflineResolver(etree.Resolver):
    def resolve(
        self, system_url: str, public_id: str, context: object
    ) -> etree._InputDocument | None:
        local = LOCAL_IMPORTS.get(system_url)
        return self.resolve_filename(str(local), context) if local else None


@functools.cache
def load_schema(name: SchemaName) -> etree.XMLSchema:
    """The compiled schema, built once per process with network access disabled."""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_OfflineResolver())
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / SCHEMAS[name]), parser))


def schema_errors(xml: bytes, name: SchemaName) -> list[str]:
    """Why `xml` is not a valid ALTO 4 or PAGE 2019 document; empty when it is."""
    schema = load_schema(name)
    try:
        document = etree.fromstring(xml, etree.XMLParser(no_network=True))
    except etree.XMLSyntaxError as error:
        return [str(error)]
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def validate(xml: bytes, name: SchemaName) -> None:
    """Raise ExportError listing the first problems when `xml` is not valid."""
    errors = schema_errors(xml, name)
    if errors:
        raise ExportError(f"not valid {name.upper()}: " + "; ".join(errors[:5]))
