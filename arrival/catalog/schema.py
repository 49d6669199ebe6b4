"""The shape of every catalogue data file, checked before anything is loaded.

An unknown key (a typo such as ``min_intervall_days``) or a wrong type is
refused with the file, the entry and the key — a limit that silently vanished
because its key was misspelt is worse than a start-up that stops.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError
from pydantic import field_validator

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Age = Annotated[StrictInt, Field(ge=0, le=130)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Titled(_Strict):
    code: Code
    title_de: Title
    title_en: Title


class Authority(_Strict):
    code: Code
    kind: Literal["social", "security", "regional"]
    name_de: Title
    name_en: Title


class ArrivalPoint(_Titled):
    pass


class CheckoutReason(_Titled):
    destination_type: Literal["transfer", "private", "onward", "return", "other", "unknown"]


class VulnerabilityFlag(_Titled):
    barrier_free: StrictBool = False
    instruction_de: Title | None = None
    instruction_en: Title | None = None
    # At the gate (arrival.gate): advice shown with the answer, directions refused,
    # and whether the person is listed first on the evacuation list (needs help).
    gate_advice_de: Title | None = None
    gate_advice_en: Title | None = None
    gate_blocks: list[Literal["in", "out"]] = []
    evacuation_assistance: StrictBool = False


class Resolution(_Titled):
    pass


class ClarificationTopic(_Titled):
    authority: Code
    per: Literal["person", "household"] = "person"
    settle_before: list[Code] = []
    priority: Annotated[StrictInt, Field(ge=1, le=4)]
    due_days: Annotated[StrictInt, Field(ge=0, le=365)]
    resolutions: Annotated[list[Resolution], Field(min_length=1)]

    @field_validator("resolutions")
    @classmethod
    def _unique_codes(cls, resolutions):
        codes = [r.code for r in resolutions]
        if len(codes) != len(set(codes)):
            raise ValueError("resolution codes must be unique")
        return resolutions


class RuleConditions(_Strict):
    min_age: Age | None = None
    max_age: Age | None = None
    flags_any: list[Code] | None = None
    household_flags_any: list[Code] | None = None
    nationality_in: list[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]] | None = None
    nationality_not_in: list[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]] | None = None
    without_identity_document: StrictBool | None = None
    # Flagged as unaccompanied minor, or no adult (18+) in the household.
    unaccompanied: StrictBool | None = None
    # Adults in the household, none of them the person's parent, and not flagged.
    separated: StrictBool | None = None


class ClarificationRule(_Strict):
    code: Code
    topic: Code
    # Optional: the topic says whether its items are per person or per household;
    # a rule that names a scope must agree with it.
    scope: Literal["person", "household"] | None = None
    priority: Annotated[StrictInt, Field(ge=1, le=4)] | None = None
    when: RuleConditions = RuleConditions()


class ServiceWindow(_Titled):
    start: ClockTime
    end: ClockTime


class ServiceType(_Titled):
    scope: Literal["person", "household"] = "person"
    once_only: StrictBool = False
    max_per_day: Annotated[StrictInt, Field(ge=1)] | None = None
    min_interval_days: Annotated[StrictInt, Field(ge=1)] | None = None
    windows: list[ServiceWindow] = []
    once_per_window: StrictBool = False
    min_age: Age | None = None
    max_age: Age | None = None
    requires_flag: Code | None = None
    excludes_flag: Code | None = None
    requires_household_member_under: Age | None = None
    requires_check_in: StrictBool | None = None
    same_site: StrictBool = False
    presence_only: StrictBool = False


class AppointmentType(_Titled):
    """An appointment an authority offers (issue 16): how long it takes, whether a
    household comes together or each person alone, for whom, which clarification
    topics it serves, and whether attending resolves the item (with which
    resolution). title_uk/title_ru and bring_* are printed on the family's slip."""
    authority: Code
    duration_minutes: Annotated[StrictInt, Field(ge=5, le=480)]
    group: Literal["household", "person"]
    topics: Annotated[list[Code], Field(min_length=1)]
    min_age: Age | None = None
    max_age: Age | None = None
    resolves_item: StrictBool = False
    resolution: Code | None = None
    title_uk: Title
    title_ru: Title
    bring_de: Title | None = None
    bring_en: Title | None = None
    bring_uk: Title | None = None
    bring_ru: Title | None = None

    @field_validator("resolution")
    @classmethod
    def _resolution_named(cls, resolution, info):
        if info.data.get("resolves_item") and not resolution:
            raise ValueError("resolves_item needs a resolution code")
        return resolution


DestinationKey = Annotated[str, Field(pattern=r"^[0-9]{2}([0-9]{3})?$")]


class TransferDestination(_Strict):
    """Where households are transferred to (issue 18): a Stadt- or Landkreis of the
    Land (official five-digit key) or another Land (two digits), with the office that
    receives them. Phone and e-mail are completed by administrators."""
    key: DestinationKey
    name: Title
    kind: Literal["stadtkreis", "landkreis", "land"]
    region: Title | None = None
    reception: Title
    contact_email: Title | None = None
    contact_phone: Title | None = None


class DistributionShare(_Strict):
    """One district's weight in the distribution key (share = weight / sum)."""
    key: DestinationKey
    weight: Annotated[StrictInt, Field(ge=0, le=10_000_000)]


# data file → (array name in the file, the model of one element)
FILE_SCHEMAS: dict[str, tuple[str, type[_Strict]]] = {
    "authorities.toml": ("authority", Authority),
    "arrival_points.toml": ("entry", ArrivalPoint),
    "checkout_reasons.toml": ("entry", CheckoutReason),
    "vulnerability_flags.toml": ("entry", VulnerabilityFlag),
    "clarification_topics.toml": ("entry", ClarificationTopic),
    "clarification_rules.toml": ("rule", ClarificationRule),
    "service_types.toml": ("entry", ServiceType),
    "appointment_types.toml": ("entry", AppointmentType),
    # loaded by arrival.transfers (flask transfers load), not into catalog_entry
    "transfer_destinations.toml": ("destination", TransferDestination),
    "distribution_key.toml": ("share", DistributionShare),
}


class SchemaError(ValueError):
    pass


def validate_file(filename: str, document: dict) -> list[dict]:
    """The elements of a parsed data file as plain dicts (only the keys given),
    or SchemaError naming the file, the entry and the key of the first problem."""
    array, model = FILE_SCHEMAS[filename]
    unknown = sorted(set(document) - {array})
    if unknown:
        raise SchemaError(f"{filename}: unknown table {', '.join(unknown)} "
                          f"(expected [[{array}]])")
    elements = document.get(array, [])
    if not isinstance(elements, list):
        raise SchemaError(f"{filename}: {array} must be an array of tables ([[{array}]])")
    checked = []
    for position, element in enumerate(elements, start=1):
        name = (element.get("code") or element.get("key")) if isinstance(element, dict) else None
        label = repr(name) if name else f"#{position}"
        try:
            model.model_validate(element)
        except ValidationError as error:
            raise SchemaError(f"{filename}: entry {label}: {_first_problem(error)}") from None
        checked.append(element)
    return checked


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    key = ".".join(str(part) for part in problem["loc"]) or "(entry)"
    if problem["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if problem["type"] == "missing":
        return f"{key}: missing"
    return f"{key}: {re.sub(r'^Value error, ', '', problem['msg'])}"
