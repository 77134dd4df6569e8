"""What the pre-checks say beyond their answers: red flags, and facts a protocol must not ask again.

A person who is not alone, or whose interpreter is a family member, an employer or a companion, may be
speaking in front of someone who controls them (WHO recommendation 4). These are red flags: the officer
confirms them before going on, and they are shown on the summary and sealed with the interview
(`checks["red_flags"]`). What the pre-checks establish is carried into the engine as a fact, so a
protocol never asks it again.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.state import RISKY_INTERPRETERS
from screening_protocols import AnswerValue, Protocol
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = ["RED_FLAG_LABELS", "RedFlagsUnconfirmedError", "precheck_facts", "red_flags", "with_red_flags"]

# Interpreters who speak for the person without being close to anyone who may control them.
INDEPENDENT_INTERPRETERS = ("professional", "colleague")


class RedFlagsUnconfirmedError(WaypointError):
    """The pre-checks raised a red flag and the officer has not confirmed going on."""

    code = "WP-APP-050"
    what = N_("The checks found a warning sign that you have not confirmed yet.")
    todo = N_("Read the warnings, make the situation safer if you can, then tick the confirmation.")


RED_FLAG_LABELS = {
    "not_alone": N_("The person was not alone: someone could hear the answers."),
    "interpreter_family": N_("A family member interpreted."),
    "interpreter_employer": N_("An employer or recruiter interpreted."),
    "interpreter_companion": N_("Someone who came with the person interpreted."),
}


def red_flags(checks: Mapping[str, object]) -> tuple[str, ...]:
    """The red flags the pre-checks raise, as stable codes (keys of `RED_FLAG_LABELS`)."""
    flags: list[str] = []
    if checks.get("alone") == "no":
        flags.append("not_alone")
    interpreter = checks.get("interpreter")
    if interpreter in RISKY_INTERPRETERS:
        flags.append(f"interpreter_{interpreter}")
    return tuple(flags)


def with_red_flags(checks: Mapping[str, str], *, confirmed: bool) -> dict[str, object]:
    """The checks as recorded and sealed: the answers, the red flags, and whether the officer
    confirmed them."""
    recorded: dict[str, object] = dict(checks)
    flags = red_flags(checks)
    recorded["red_flags"] = list(flags)
    if flags:
        recorded["red_flags_confirmed"] = confirmed
    return recorded


def precheck_facts(protocol: Protocol, checks: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Facts the pre-checks establish that this protocol would otherwise ask (never asked again)."""
    facts: dict[str, AnswerValue] = {}
    interpreter = checks.get("interpreter")
    if "understands_officer" in protocol.by_fact:
        # "Can you understand each other well without a companion interpreting?" ("none" says nothing)
        if interpreter in RISKY_INTERPRETERS:
            facts["understands_officer"] = "no"
        elif interpreter in INDEPENDENT_INTERPRETERS:
            facts["understands_officer"] = "yes"
    return facts
