"""One module per screen; `SCREENS` maps each `Screen` to its builder."""

from __future__ import annotations

from collections.abc import Callable

from app.screens import (
    checks,
    consent,
    deleted,
    duress,
    emergency,
    end,
    feedback,
    finished,
    handback,
    home,
    neutral,
    practice,
    private,
    protocol,
    question,
    referral,
    rights,
    setup,
    stop,
    summary,
    unlock,
)
from app.screens.base import ScreenBody, ScreenContext
from app.state import Screen

__all__ = ["SCREENS", "ScreenBody", "ScreenContext"]

SCREENS: dict[Screen, Callable[[ScreenContext], ScreenBody]] = {
    Screen.SETUP: setup.build,
    Screen.UNLOCK: unlock.build,
    Screen.DURESS: duress.build,
    Screen.PAUSED: unlock.build,
    Screen.NEUTRAL: neutral.build,
    Screen.HOME: home.build,
    Screen.PROTOCOL: protocol.build,
    Screen.CHECKS: checks.build,
    Screen.CONSENT: consent.build,
    Screen.QUESTION: question.build,
    Screen.PRIVATE: private.build,
    Screen.HANDBACK: handback.build,
    Screen.STOP: stop.build,
    Screen.DELETED: deleted.build,
    Screen.EMERGENCY: emergency.build,
    Screen.SUMMARY: summary.build,
    Screen.FINISHED: finished.build,
    Screen.REFERRAL: referral.build,
    Screen.RIGHTS: rights.build,
    Screen.END: end.build,
    Screen.PRACTICE: practice.build,
    Screen.FEEDBACK: feedback.build,
}
