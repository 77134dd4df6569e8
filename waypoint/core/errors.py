"""The one root of every error Waypoint raises on purpose.

Every error that can reach a person says what happened and what to do, in that person's language.
Messages are English msgids marked with `N_` so Babel extracts them; they are translated where they are
shown (`WaypointError.message(gettext)`), never where they are raised.

    WaypointError                  what happened + what to do
    ├── ConfigError                a setting or argument is wrong: fix it and start again
    ├── screening_protocols.errors.ProtocolError   a protocol file is invalid: fix the file
    ├── screening_protocols.errors.AnswerError     an answer does not fit its question: ask again
    ├── app.vault.errors.VaultError                the local vault refused (wrong secret, locked, ...)
    └── sync.errors.SyncError                      sending failed (transport: retried; rejected: parked)

Rule: `params` are formatted into messages that may be logged or shown, so they never carry answers,
notes, secrets or anything else a respondent said.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (gettext's "no-op" marker)."""
    return message


def _identity(message: str) -> str:
    return message


class WaypointError(Exception):
    """An error Waypoint raises on purpose, with a message for the person who hits it."""

    what: str = N_("Something went wrong.")
    todo: str = N_("Try again. If it happens again, tell your coordinator.")

    def __init__(self, what: str | None = None, todo: str | None = None, **params: object) -> None:
        if what is not None:
            self.what = what
        if todo is not None:
            self.todo = todo
        self.params = params
        super().__init__(self.message())

    def message(self, gettext: Callable[[str], str] = _identity) -> str:
        """The whole message, translated with `gettext`: what happened, then what to do."""
        what = gettext(self.what).format(**self.params)
        todo = gettext(self.todo).format(**self.params)
        return f"{what} {todo}".strip()


class ConfigError(WaypointError):
    """A setting, option or file given to Waypoint is wrong; the message names it and the fix."""

    what = N_("A setting is not valid.")
    todo = N_("Check the value and start again.")
