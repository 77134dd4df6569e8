"""Reading and writing the directory as HSDS 3.0 services, with Waypoint's fields in `attributes`.

HSDS 3.0 has two extension points, `attributes` and `taxonomy_terms`. Waypoint uses **`attributes`**
with its own taxonomy (`WAYPOINT_TAXONOMY`): an attribute links one entity (a service, an organisation)
to a taxonomy term *and carries a `value`*, which most of our fields need (an area, a text in a
language, a key); it nests inside the service object an HSDS API returns, so it travels with it; and
software that does not know our taxonomy ignores it and still reads a valid HSDS service. A term's
`language` says which language a `will_happen` / `will_not_happen` text is in.

| term code | on | value |
|---|---|---|
| `need` | service | a need code of `referral.needs` (one attribute per need) |
| `age_group` | service | `child` or `adult` (none: any age; else from `minimum_age`/`maximum_age`) |
| `gender` | service | `female`, `male` or `other` (none: any) |
| `area` | service | `CC`, `CC/region` or `CC/region/city` (CC: ISO 3166-1 alpha-2) |
| `open_24_7` | service | `true` |
| `interpreter` | service | `true` (else: `interpretation_services` is given) |
| `will_happen`, `will_not_happen` | service | the text, in the term's `language` |
| `partner_id`, `partner_sealing_key`, `partner_signing_key` | organization | id, raw keys (base64url) |

Plain HSDS fields are read too: `languages[].code`, `phones[].number`, `assured_date` (last verified),
`minimum_age`/`maximum_age`, `status` and the organisation (nested, or only its `organization_id`).
A directory from another system, with no Waypoint attributes, imports: its services have no needs
("not yet mapped").
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from referral.directory.errors import DirectoryProblem
from referral.directory.model import AGE_GROUPS, GENDERS, Area, PartnerKeys, Service
from referral.hsds import schema_errors
from referral.needs import NEED_CODES

__all__ = [
    "WAYPOINT_TAXONOMY",
    "hsds_page",
    "problems_of",
    "service_from_hsds",
    "services_of",
    "with_partners",
    "with_waypoint_fields",
]

WAYPOINT_TAXONOMY = "waypoint-referral/1"
_NAMESPACE = uuid.UUID("5f0c2a52-7b43-4d0e-9a51-3c2d1f9b7e10")  # ids of Waypoint's terms and attributes
_TAXONOMY_ID = str(uuid.uuid5(_NAMESPACE, "taxonomy"))  # Waypoint referral taxonomy, version 1
SERVICE_TERMS = frozenset(
    {"need", "age_group", "gender", "area", "open_24_7", "interpreter", "will_happen", "will_not_happen"}
)
PARTNER_TERMS = ("partner_id", "partner_sealing_key", "partner_signing_key")
_AREA = re.compile(r"[A-Z]{2}(/[^/]+){0,2}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_ADULT_AGE = 18

Path = tuple[str | int, ...]


def services_of(data: object) -> tuple[list[Any], str, list[DirectoryProblem]]:
    """The list of services in an HSDS file: an API page (`contents`) or a plain array.

    Returns:
        The services, the JSON path prefix they sit under (`$.contents` or `$`), and the problems of
        the file's shape (empty when it is one of the two forms).
    """
    if isinstance(data, list):
        return data, "$", []
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return data["contents"], "$.contents", []
    problem = DirectoryProblem("$", "expected a list of HSDS services or a page with a `contents` list")
    return [], "$", [problem]


def problems_of(services: Sequence[Any], prefix: str) -> list[DirectoryProblem]:
    """Every problem of these services: HSDS 3.0 schema, Waypoint attributes, duplicate ids."""
    problems: list[DirectoryProblem] = []
    seen: set[str] = set()
    for index, service in enumerate(services):
        base = f"{prefix}[{index}]"
        problems.extend(
            DirectoryProblem(_path(base, where), message) for where, message in schema_errors(service)
        )
        if not isinstance(service, dict):
            continue
        service_id = service.get("id")
        if isinstance(service_id, str):
            if service_id in seen:
                problems.append(DirectoryProblem(f"{base}.id", f"service id {service_id} appears twice"))
            seen.add(service_id)
        problems.extend(_waypoint_problems(service, base))
    return problems


def service_from_hsds(service: Mapping[str, Any]) -> Service:
    """The Waypoint view of one HSDS service that `problems_of` found no problem in."""
    organization = service.get("organization") or {}
    values = _values(service.get("attributes"), SERVICE_TERMS)
    texts = _texts(service.get("attributes"))
    return Service(
        id=service["id"],
        name=service["name"],
        organization_id=organization.get("id") or service.get("organization_id", ""),
        organization_name=organization.get("name", ""),
        active=service.get("status", "active") == "active",
        needs=frozenset(values.get("need", ())),
        languages=tuple(
            dict.fromkeys(lang["code"] for lang in service.get("languages") or () if lang.get("code"))
        ),
        interpreter="true" in values.get("interpreter", ()) or bool(service.get("interpretation_services")),
        age_groups=frozenset(values.get("age_group", ())) or _age_groups(service),
        genders=frozenset(values.get("gender", ())),
        areas=tuple(_area(value) for value in values.get("area", ())),
        open_24_7="true" in values.get("open_24_7", ()),
        phones=tuple(_phone(phone["number"]) for phone in service.get("phones") or ()),
        will_happen=MappingProxyType(texts.get("will_happen", {})),
        will_not_happen=MappingProxyType(texts.get("will_not_happen", {})),
        last_verified=_date(service.get("assured_date")),
        partner=_partner(organization.get("attributes")),
    )


def with_partners(service: Mapping[str, Any], partners: Mapping[str, PartnerKeys]) -> dict[str, Any]:
    """The service with its organisation's partner keys from `partners` (by HSDS organisation id)
    written into the organisation's Waypoint attributes, replacing any there."""
    result = dict(service)
    organization = service.get("organization")
    if not isinstance(organization, dict) or organization.get("id") not in partners:
        return result
    keys = partners[organization["id"]]
    kept = [a for a in organization.get("attributes") or () if _term_code(a) not in PARTNER_TERMS]
    values = (keys.partner_id, _b64(keys.sealing_public_key), _b64(keys.signing_public_key))
    added = [
        _attribute(organization["id"], "organization", code, value)
        for code, value in zip(PARTNER_TERMS, values, strict=True)
    ]
    result["organization"] = {**organization, "attributes": kept + added}
    return result


def with_waypoint_fields(service: Mapping[str, Any], entry: Service) -> dict[str, Any]:
    """The HSDS service with `entry`'s Waypoint fields written as its Waypoint attributes (used to
    write directories for tests and benchmarks, and by a coordinator's mapping)."""
    kept = [a for a in service.get("attributes") or () if _term_code(a) not in SERVICE_TERMS]
    pairs: list[tuple[str, str, str | None]] = [("need", need, None) for need in sorted(entry.needs)]
    pairs += [("age_group", group, None) for group in sorted(entry.age_groups)]
    pairs += [("gender", gender, None) for gender in sorted(entry.genders)]
    pairs += [("area", "/".join(p for p in (a.country, a.region, a.city) if p), None) for a in entry.areas]
    pairs += [("open_24_7", "true", None)] if entry.open_24_7 else []
    pairs += [("interpreter", "true", None)] if entry.interpreter else []
    pairs += [("will_happen", text, lang) for lang, text in sorted(entry.will_happen.items())]
    pairs += [("will_not_happen", text, lang) for lang, text in sorted(entry.will_not_happen.items())]
    added = [_attribute(service["id"], "service", code, value, lang) for code, value, lang in pairs]
    return {**service, "attributes": kept + added}


def hsds_page(services: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The services as one page of the HSDS API (`GET /services`), the form `directory export` writes."""
    return {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": list(services),
    }


def _attribute(
    link_id: str, entity: str, code: str, value: str, language: str | None = None
) -> dict[str, Any]:
    term: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, f"term/{code}/{language or ''}")),
        "code": code,
        "name": code,
        "description": f"Waypoint {code}",
        "taxonomy": WAYPOINT_TAXONOMY,
        "taxonomy_id": _TAXONOMY_ID,
    }
    if language is not None:
        term["language"] = language
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"attribute/{link_id}/{code}/{language or ''}/{value}")),
        "link_id": link_id,
        "link_entity": entity,
        "taxonomy_term": term,
        "value": value,
    }


def _waypoint(attributes: object) -> Iterator[tuple[int, str, str | None, object]]:
    """(index, term code, term language, value) of each Waypoint attribute."""
    for index, attribute in enumerate(attributes if isinstance(attributes, list) else ()):
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict) and term.get("taxonomy") == WAYPOINT_TAXONOMY:
            yield index, str(term.get("code")), term.get("language"), attribute.get("value")


def _term_code(attribute: object) -> str | None:
    found = list(_waypoint([attribute]))
    return found[0][1] if found else None


def _waypoint_problems(service: Mapping[str, Any], base: str) -> Iterator[DirectoryProblem]:
    for index, code, language, value in _waypoint(service.get("attributes")):
        where = f"{base}.attributes[{index}]"
        problem = _value_problem(code, language, value)
        if problem:
            yield DirectoryProblem(where, problem)
    organization = service.get("organization")
    if not isinstance(organization, dict):
        if not service.get("organization_id"):
            yield DirectoryProblem(base, "a service needs its organization (or at least organization_id)")
        return
    found: dict[str, object] = {}
    for index, code, _language, value in _waypoint(organization.get("attributes")):
        where = f"{base}.organization.attributes[{index}]"
        if code not in PARTNER_TERMS:
            yield DirectoryProblem(where, f"unknown Waypoint term {code!r} on an organization")
        elif code != "partner_id" and _key(value) is None:
            yield DirectoryProblem(f"{where}.value", "expected a 32-byte public key in base64url")
        found[code] = value
    if found and set(found) != set(PARTNER_TERMS):
        yield DirectoryProblem(
            f"{base}.organization.attributes", "partner keys need partner_id and both keys"
        )


def _value_problem(code: str, language: object, value: object) -> str | None:
    if code not in SERVICE_TERMS:
        return f"unknown Waypoint term {code!r} on a service"
    if not isinstance(value, str) or not value.strip():
        return f"the Waypoint term {code!r} needs a value"
    allowed = {"need": NEED_CODES, "age_group": AGE_GROUPS, "gender": GENDERS}.get(code)
    if allowed is not None and value not in allowed:
        return f"{value!r} is not a Waypoint {code.replace('_', ' ')} (one of: {', '.join(sorted(allowed))})"
    if code == "area" and not _AREA.fullmatch(value):
        return f"area {value!r} is not CC, CC/region or CC/region/city (CC: ISO 3166-1 alpha-2)"
    if code in ("open_24_7", "interpreter") and value != "true":
        return f"the Waypoint term {code!r} takes the value 'true'"
    if code in ("will_happen", "will_not_happen") and (
        not isinstance(language, str) or not _LANGUAGE.fullmatch(language)
    ):
        return f"the text of {code!r} needs its taxonomy_term.language (a BCP-47 code)"
    return None


def _values(attributes: object, codes: frozenset[str]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for _index, code, language, value in _waypoint(attributes):
        if code in codes and language is None and isinstance(value, str):
            values.setdefault(code, []).append(value)
    return values


def _texts(attributes: object) -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for _index, code, language, value in _waypoint(attributes):
        if (
            code in ("will_happen", "will_not_happen")
            and isinstance(language, str)
            and isinstance(value, str)
        ):
            texts.setdefault(code, {})[language] = value
    return texts


def _partner(attributes: object) -> PartnerKeys | None:
    values = {code: value for _index, code, _lang, value in _waypoint(attributes) if code in PARTNER_TERMS}
    sealing, signing = _key(values.get("partner_sealing_key")), _key(values.get("partner_signing_key"))
    partner_id = values.get("partner_id")
    if not isinstance(partner_id, str) or sealing is None or signing is None:
        return None
    return PartnerKeys(partner_id=partner_id, sealing_public_key=sealing, signing_public_key=signing)


def _age_groups(service: Mapping[str, Any]) -> frozenset[str]:
    minimum, maximum = service.get("minimum_age"), service.get("maximum_age")
    groups = set(AGE_GROUPS)
    if isinstance(maximum, int | float) and maximum < _ADULT_AGE:
        groups.discard("adult")
    if isinstance(minimum, int | float) and minimum >= _ADULT_AGE:
        groups.discard("child")
    return frozenset() if groups == AGE_GROUPS else frozenset(groups)


def _area(value: str) -> Area:
    parts = value.split("/")
    return Area(
        country=parts[0],
        region=parts[1] if len(parts) > 1 else None,
        city=parts[2] if len(parts) > 2 else None,
    )


def _phone(number: str) -> str:
    return number.strip().strip('"').strip()


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _key(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _path(base: str, where: Path) -> str:
    return base + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
