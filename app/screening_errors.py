"""What a screening refuses, one class (and code) per case, all under `ScreeningError`.

ScreeningError                   the interview cannot do that in its current state
├── LanguageCodeError            a language is not a two-letter ISO 639-1 code
├── NotAMappingError             checks or consent were not a set of named values
├── QuestionsRemainError         finishing while questions are still to be asked
├── NoCurrentQuestionError       answering when no question is being asked
├── NotesTooLongError            the officer's notes are over the limit
└── ProtocolVersionChangedError  resuming with another version of the protocol
"""

from __future__ import annotations

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "LanguageCodeError",
    "NoCurrentQuestionError",
    "NotAMappingError",
    "NotesTooLongError",
    "ProtocolVersionChangedError",
    "QuestionsRemainError",
    "ScreeningError",
]


class ScreeningError(WaypointError):
    """A screening cannot do what was asked in its current state."""

    code = "WP-APP-010"
    what = N_("This interview cannot do that now.")
    todo = N_("Go back to the list of interviews and open it again.")


class LanguageCodeError(ScreeningError):
    """A language given for the interview is not an ISO 639-1 code; `field` names which one."""

    code = "WP-APP-011"
    what = N_("The {field} is not a two-letter ISO 639-1 language code.")
    todo = N_("Use a code such as en, fr, ar or ti.")


class NotAMappingError(ScreeningError):
    """The checks or the consent record were not a mapping; `field` names which."""

    code = "WP-APP-012"
    what = N_("The {field} must be a set of named values.")
    todo = N_("Pass a dictionary.")


class QuestionsRemainError(ScreeningError):
    """`finish` was called while the engine still asks a question."""

    code = "WP-APP-013"
    what = N_("This interview still has questions to ask.")
    todo = N_("Answer or decline them, or stop the interview.")


class NoCurrentQuestionError(ScreeningError):
    """An answer came when no question is being asked (the interview is over)."""

    code = "WP-APP-014"
    what = N_("There is no question to answer now.")
    todo = N_("Finish the interview, or go back to change an answer.")


class NotesTooLongError(ScreeningError):
    """The officer's notes exceed `limit` characters."""

    code = "WP-APP-015"
    what = N_("The notes are too long.")
    todo = N_("Keep notes under {limit} characters.")


class ProtocolVersionChangedError(ScreeningError):
    """An interview started with another version of its protocol than this app has."""

    code = "WP-APP-016"
    what = N_("This interview was started with protocol version {started}; this app has {current}.")
    todo = N_("Finish it on a device that still has that version, or discard it and start again.")
