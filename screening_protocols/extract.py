"""Babel extraction method for protocol files (registered as the `waypoint_protocol` extractor).

Every translatable string of a protocol becomes a message whose context (msgctxt) names the protocol
and the question, e.g. `border-rapid:age` or `border-rapid:documents_holder:option.employer`, with an
extracted comment saying what the string is. See babel-protocols.cfg and docs/protocols.md.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from screening_protocols.loader import load_protocol
from screening_protocols.messages import protocol_messages

KEYWORD = "NC_"  # the context-first marker, declared to Babel as `NC_:1c,2`


def extract_protocol(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Yield `(line, keyword, (context, text), [comment])` for each string of one protocol file.

    An invalid protocol raises ProtocolError: extraction never silently drops a broken file.
    """
    del keywords, comment_tags, options
    name = getattr(fileobj, "name", None)
    protocol = load_protocol(fileobj.read(), name=str(name) if name else None)
    for message in protocol_messages(protocol):
        yield message.line, KEYWORD, (message.context, message.text), [message.note]
