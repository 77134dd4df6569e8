"""Fixtures for the protocol tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from protocol_helpers import inline_protocol

from screening_protocols import Protocol


@pytest.fixture
def make_protocol() -> Callable[..., Protocol]:
    """`make_protocol(yaml_body, header=...)` -> Protocol."""
    return inline_protocol
