"""Every error Waypoint raises on purpose has a stable code, shown wherever its message is.

EC001: every WaypointError subclass in Waypoint's packages defines a code of its own, `WP-<AREA>-<NNN>`.
EC002: no two classes share a code.
EC003: docs/errors.md holds exactly the catalogue the code generates (`python -m scripts.error_catalogue`).
EC004: the CLI shows the code after the message, and exits 1.
EC005: the log line (`str(error)`) and the app's message carry the code; a translated message keeps it.
EC006: a raise site with its own message keeps its class's code (callers tell errors apart by class).
"""

from __future__ import annotations

import gettext
import logging
from collections import Counter

import pytest
from click.testing import CliRunner

from app.errors import error_text
from app.i18n import translator
from app.vault.errors import WrongSecretError
from screening_protocols.errors import UnknownProtocolError
from scripts.error_catalogue import DOC, documented, error_classes, table
from waypoint.cli import main
from waypoint.core.errors import CODE_PATTERN, ConfigError, WaypointError
from waypoint.core.resources import LOCALES_DIR


def test_ec001_every_error_class_has_its_own_code() -> None:
    classes = error_classes()
    assert len(classes) > 30  # the walk found the app, vault, sync, server and engine errors
    no_code = [cls.__qualname__ for cls in classes if "code" not in vars(cls)]
    malformed = [cls.code for cls in classes if not CODE_PATTERN.fullmatch(cls.code)]
    assert not no_code and not malformed, (no_code, malformed)


def test_ec002_codes_are_unique() -> None:
    counts = Counter(cls.code for cls in error_classes())
    assert not [code for code, n in counts.items() if n > 1]


def test_ec003_docs_catalogue_is_current() -> None:
    written = documented(DOC.read_text(encoding="utf-8"))
    assert written == table(), "docs/errors.md is out of date: run python -m scripts.error_catalogue"


def test_ec004_cli_shows_the_code() -> None:
    ran = CliRunner().invoke(main, ["protocol", "show", "no-such-protocol"])
    assert ran.exit_code == 1
    assert f"({UnknownProtocolError.code})" in ran.output and "Traceback" not in ran.output


def test_ec005_log_and_app_messages_carry_the_code(caplog: pytest.LogCaptureFixture) -> None:
    error = WrongSecretError()
    assert str(error).endswith(f"({WrongSecretError.code})")
    with caplog.at_level(logging.INFO, logger="app.errors"):
        english = error_text(error, translator("en"))
    assert f"error shown: {WrongSecretError.code} WrongSecretError" in caplog.messages
    assert english == f"{error.message()} ({WrongSecretError.code})"
    french = error_text(error, translator("fr", LOCALES_DIR))
    catalog = gettext.translation("waypoint", str(LOCALES_DIR), languages=["fr"])
    assert french.startswith(catalog.gettext(WrongSecretError.what)) and french != english
    assert french.endswith(f"({WrongSecretError.code})")
    assert error_text(RuntimeError("not ours"), translator("en")).endswith(f"({WaypointError.code})")


def test_ec006_own_message_keeps_the_class_code() -> None:
    error = ConfigError("The folder {folder} is odd.", "Choose another.", folder="x")
    assert error.code == ConfigError.code
    assert str(error) == f"The folder x is odd. Choose another. ({ConfigError.code})"
