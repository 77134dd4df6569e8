"""HSDS 3.0 (Open Referral's Human Services Data Specification): the shipped schema and its validator.

`schema/` holds `service.json` and every schema it references, unchanged from the HSDS 3.0 release,
with the specification's licence (CC BY-SA 4.0): "Human Services Data Specification: an Open Referral
resource (https://openreferral.org/)". Services are validated with `jsonschema` (draft 2020-12, the
schema's relative `$ref`s resolved among the shipped files, `uuid`/`email` formats checked).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SCHEMA_FILES", "schema_errors"]

SCHEMA_FILES = (
    "accessibility.json",
    "address.json",
    "attribute.json",
    "contact.json",
    "cost_option.json",
    "funding.json",
    "language.json",
    "location.json",
    "metadata.json",
    "organization.json",
    "organization_identifier.json",
    "phone.json",
    "program.json",
    "required_document.json",
    "schedule.json",
    "service.json",
    "service_area.json",
    "service_at_location.json",
    "taxonomy.json",
    "taxonomy_term.json",
)


@cache
def _validator() -> Draft202012Validator:
    folder = files("referral.hsds").joinpath("schema")
    schemas = {name: json.loads(folder.joinpath(name).read_text(encoding="utf-8")) for name in SCHEMA_FILES}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    return Draft202012Validator(schemas["service.json"], registry=registry, format_checker=FormatChecker())


def schema_errors(service: object) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each way `service` breaks HSDS 3.0 `service.json`: (the path inside it, a short message)."""
    for error in sorted(_validator().iter_errors(service), key=lambda e: tuple(map(str, e.absolute_path))):
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        yield tuple(error.absolute_path), message
