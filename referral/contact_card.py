"""A neutral contact card for the person: who to contact, how, and what to expect, in their language.

It names the service and the organisation, the phone numbers, whether it is open at any hour, and what
will and will not happen (the directory's own words, in the person's language where it gives them).
It says nothing about why the person is given it: the card may be found by someone else, so it never
mentions the screening, exploitation or trafficking, and it makes no promise the service has not made.
"""

from __future__ import annotations

import gettext

from referral.directory.model import Service
from waypoint.core.i18n import N_
from waypoint.core.resources import LOCALES_DIR

__all__ = ["contact_card"]

_DOMAIN = "waypoint"


def contact_card(service: Service, language: str) -> str:
    """The card's text, in `language` (English for what has no translation), one item a line."""
    catalog = gettext.translation(_DOMAIN, str(LOCALES_DIR), languages=[language], fallback=True)
    _ = catalog.gettext
    lines = [service.name]
    if service.organization_name and service.organization_name != service.name:
        lines.append(service.organization_name)
    if service.phones:
        lines.append(_(N_("Phone: {numbers}")).format(numbers=", ".join(service.phones)))
    if service.open_24_7:
        lines.append(_(N_("Open every day, at any hour.")))
    if (will := service.will_happen_in(language)) is not None:
        lines.append(_(N_("What will happen: {text}")).format(text=will))
    if (will_not := service.will_not_happen_in(language)) is not None:
        lines.append(_(N_("What will not happen: {text}")).format(text=will_not))
    lines.append(_(N_("You can contact them yourself, whenever you choose.")))
    return "\n".join(lines)
