"""Matching on the device, and the contact card.

MT001: only active services that serve one of the needs are offered; unmapped ones never are.
MT002: the person's language (or its base language) or an interpreter; else not offered.
MT003: eligibility: age group and gender restrictions; unknown person facts match only open services.
MT004: area: a service stating areas must cover the person; one stating none is kept, ranked after.
MT005: ranking: 24/7 first, then more needs served, spoken language, confirmed area, verified, name.
MT006: each match carries what will and will not happen in the person's language; stale is flagged.
MT007: the contact card is in the person's language, neutral (no word about trafficking, victims or
       exploitation in any catalog language), and lists phones, hours and expectations.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from referral.contact_card import contact_card
from referral.directory import Area, Directory, Service
from referral.matching import Person, match_services
from waypoint.core.resources import LOCALES_DIR

TODAY = date(2026, 12, 3)


def _service(name: str, **fields: Any) -> Service:
    defaults: dict[str, Any] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "name": name,
        "organization_id": "org-1",
        "organization_name": "Partner Org",
        "needs": frozenset({"shelter"}),
        "languages": ("en",),
        "last_verified": date(2026, 11, 1),
    }
    return Service(**{**defaults, **fields})


def _names(services: list[Service], needs: tuple[str, ...], person: Person) -> list[str]:
    directory = Directory(version=1, issued_at=datetime(2026, 12, 1, tzinfo=UTC), services=tuple(services))
    return [match.service.name for match in match_services(directory, needs, person, today=TODAY)]


def test_mt001_need_served_and_active() -> None:
    services = [
        _service("shelter"),
        _service("medical", needs=frozenset({"medical"})),
        _service("closed shelter", active=False),
        _service("unmapped", needs=frozenset()),
    ]
    assert _names(services, ("shelter",), Person()) == ["shelter"]
    assert sorted(_names(services, ("shelter", "medical"), Person())) == ["medical", "shelter"]
    assert _names(services, ("legal",), Person()) == []


def test_mt002_language_or_interpreter() -> None:
    services = [
        _service("thai", languages=("th",)),
        _service("portuguese", languages=("pt",)),
        _service("interpreted", languages=("en",), interpreter=True),
        _service("english only", languages=("en",)),
    ]
    assert _names(services, ("shelter",), Person(language="th")) == ["thai", "interpreted"]
    assert _names(services, ("shelter",), Person(language="pt-BR")) == ["portuguese", "interpreted"]
    assert len(_names(services, ("shelter",), Person())) == 4  # language unknown: all


def test_mt003_eligibility() -> None:
    services = [
        _service("children", age_groups=frozenset({"child"})),
        _service("women", genders=frozenset({"female"})),
        _service("anyone"),
    ]
    assert _names(services, ("shelter",), Person(age_group="child", gender="male")) == ["anyone", "children"]
    assert _names(services, ("shelter",), Person(age_group="adult", gender="female")) == ["anyone", "women"]
    assert _names(services, ("shelter",), Person()) == ["anyone"]


def test_mt004_area() -> None:
    services = [
        _service("bangkok", areas=(Area("TH", "Bangkok"),)),
        _service("pattaya", areas=(Area("TH", "Chon Buri", "Pattaya"),)),
        _service("nationwide", areas=(Area("TH"),)),
        _service("no area stated"),
        _service("myanmar", areas=(Area("MM"),)),
    ]
    person = Person(country="th", region="bangkok")
    assert _names(services, ("shelter",), person) == ["bangkok", "nationwide", "no area stated"]
    assert _names(services, ("shelter",), Person(country="TH")) == ["nationwide", "no area stated"]
    assert len(_names(services, ("shelter",), Person())) == 5


def test_mt005_ranking() -> None:
    services = [
        _service("a stale", last_verified=date(2020, 1, 1)),
        _service("b interpreter", languages=("en",), interpreter=True),
        _service("c two needs", needs=frozenset({"shelter", "medical"}), languages=("th",)),
        _service("d all hours", open_24_7=True, languages=("th",)),
        _service("e plain", languages=("th",)),
        _service("f stated area", languages=("th",), areas=(Area("TH"),)),
    ]
    for service in services[:1]:
        assert service.is_stale(TODAY)
    ranked = _names(
        [services[0].__class__(**{**services[0].__dict__, "languages": ("th",)}), *services[1:]],
        ("shelter", "medical"),
        Person(language="th", country="TH"),
    )
    assert ranked == ["d all hours", "c two needs", "f stated area", "e plain", "a stale", "b interpreter"]


def test_mt006_expectations_and_stale_flag() -> None:
    service = _service(
        "texts",
        languages=("fr",),
        will_happen={"en": "You get a bed tonight.", "fr": "Vous aurez un lit ce soir."},
        will_not_happen={"en": "Nobody is told where you are."},
        last_verified=None,
    )
    directory = Directory(1, datetime(2026, 12, 1, tzinfo=UTC), (service,))
    [match] = match_services(directory, ["shelter"], Person(language="fr-FR"), today=TODAY)
    assert match.will_happen == "Vous aurez un lit ce soir."
    assert match.will_not_happen == "Nobody is told where you are."  # English where no French is given
    assert match.stale and match.language == "spoken" and match.needs == frozenset({"shelter"})


FORBIDDEN = ("trafficking", "victim", "prostitut", "illegal", "exploit", "screening")


@pytest.mark.parametrize("language", [*sorted(p.name for p in LOCALES_DIR.iterdir() if p.is_dir()), "en"])
def test_mt007_contact_card_is_neutral_and_translated(language: str) -> None:
    service = _service(
        "Harbour House",
        phones=("+66 2 000 0000", "1300"),
        open_24_7=True,
        will_happen={"en": "Someone answers and talks with you."},
    )
    card = contact_card(service, language)
    assert "Harbour House" in card and "+66 2 000 0000, 1300" in card
    assert not any(word in card.casefold() for word in FORBIDDEN)
    if language != "en":
        assert "Open every day, at any hour." not in card, f"{language}: not translated"
        assert "Someone answers and talks with you." in card  # the directory's words, English fallback
