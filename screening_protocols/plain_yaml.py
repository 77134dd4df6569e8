"""Read a protocol file's YAML as plain data, refusing what could crash or exhaust the reader.

PyYAML's safe loader still expands aliases (256 bytes of nested aliases took 35 s and 2.6 GB),
builds dates and explicitly tagged values that raise ValueError or KeyError, and recurses without
bound. Protocol files need none of that, so a first pass over the parser's events refuses anchors,
aliases, tags and lists or mappings used as keys, and enforces limits on size, nesting and number
length; only then does the safe loader build the data, with dates read as text.
"""

from __future__ import annotations

from re import Pattern
from typing import Any, ClassVar

import yaml

from screening_protocols.errors import ErrorCode
from screening_protocols.expressions import MAX_NUMBER_LENGTH

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 24

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NUMBER_LENGTH", "Refused", "read"]

# libyaml's parser when PyYAML was built with it (about 10x faster); same nodes, same line marks.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str")}
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class _PlainLoader(YAML_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, reading only null, booleans, numbers and text implicitly (a date stays text)."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Pattern[str]]]]] = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag in _PLAIN_TAGS]
        for first, resolvers in YAML_LOADER.yaml_implicit_resolvers.items()
    }


class Refused(Exception):
    """The text is not plain YAML within the limits: a problem code, the 1-based line and its fields."""

    def __init__(self, code: ErrorCode, line: int, **params: object) -> None:
        super().__init__(code.name)
        self.code = code
        self.line = line
        self.params = params


def read(data: bytes) -> tuple[yaml.Node | None, Any]:
    """The root node (for line numbers) and the data of one YAML document; raise Refused or YAMLError."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(
            ErrorCode.PR023,
            1,
            what=f"The file ({len(data)} bytes)",
            limit=f"{MAX_FILE_BYTES} bytes",
            advice="split it into several protocols",
        )
    text = _decode(data)
    _screen(text)
    loader = _PlainLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        reason = f"byte 0x{data[error.start]:02x} is not UTF-8 text"
        raise Refused(ErrorCode.PR021, line, reason=reason) from None


def _screen(text: str) -> None:
    """Walk the parser's events once, refusing anything a plain protocol file does not need."""
    open_collections: list[list[int]] = []  # per open collection: [is_mapping, nodes seen so far]
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if not isinstance(event, yaml.NodeEvent):
            if isinstance(event, yaml.CollectionEndEvent):
                open_collections.pop()
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise Refused(ErrorCode.PR022, line, feature=f"The alias *{event.anchor}")
        if event.anchor is not None:
            raise Refused(ErrorCode.PR022, line, feature=f"The anchor &{event.anchor}")
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise Refused(ErrorCode.PR022, line, feature=f"The tag {shown}")
        if open_collections:
            parent = open_collections[-1]
            if parent[0] and parent[1] % 2 == 0 and isinstance(event, yaml.CollectionStartEvent):
                raise Refused(ErrorCode.PR022, line, feature="A list or mapping as a key")
            parent[1] += 1
        if isinstance(event, yaml.CollectionStartEvent):
            open_collections.append([isinstance(event, yaml.MappingStartEvent), 0])
            if len(open_collections) > MAX_DEPTH:
                raise Refused(
                    ErrorCode.PR023,
                    line,
                    what="The nesting depth",
                    limit=f"{MAX_DEPTH} levels",
                    advice="flatten the structure",
                )
        elif isinstance(event, yaml.ScalarEvent) and _is_long_number(event):
            raise Refused(
                ErrorCode.PR023,
                line,
                what=f"The number {event.value[:12]}…",
                limit=f"{MAX_NUMBER_LENGTH} characters",
                advice=f"write numbers with at most {MAX_NUMBER_LENGTH} characters",
            )


def _is_long_number(event: yaml.ScalarEvent) -> bool:
    if len(event.value) <= MAX_NUMBER_LENGTH or not event.implicit[0]:  # only plain scalars are implicit
        return False
    resolvers = _PlainLoader.yaml_implicit_resolvers.get(event.value[0], [])
    return any(tag in _NUMBER_TAGS and pattern.match(event.value) for tag, pattern in resolvers)
