"""The record of processing activities (Art. 30 GDPR), generated from the code's
own tables: the roles and their permissions, the field groups each role sees,
which endpoint reads persons under which permission (and so which field groups
it may show), the retention settings, and the recipients of exports.

Every role, field group and export carries a purpose text here; a test fails
when one is added without (tests/privacy/test_record.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from arrival.auth.permissions import (
    CASEWORKER_FIELD_GROUPS,
    ENDPOINT_PERMISSIONS,
    ROLE_FIELD_GROUPS,
    ROLE_PERMISSIONS,
    AuthorityKind,
    FieldGroup,
    Role,
    field_groups_for,
    reads_persons,
    required_permission,
    role_needs_authority,
)
from arrival.core.clock import now
from arrival.core.retention import retention_classes
from arrival.core.timezone import to_local

ROLE_PURPOSES: dict[str, str] = {
    "admin": "Accounts, catalogue and sites; the audit log. No person data.",
    "intake": "Registration of arriving households, cards, first placement in beds.",
    "housing": "Accommodation: placing, moving and checking out residents; absence.",
    "service_point": "Handing out services against the card (minimal card answer only).",
    "caseworker": "Clarification of open questions of one authority (its queue).",
    "coordinator": "Coordination of the centre: figures, queues (read only), reports.",
    "security": "Gate control, evacuation list and roll calls (names and rooms only).",
    "data_protection": "Answering the persons' rights: access reports, erasure, "
                       "restriction (Art. 15–18 GDPR); the record of processing.",
}

FIELD_GROUP_PURPOSES: dict[str, str] = {
    "identity": "Identify the person and avoid duplicate registrations (names as in the "
                "document, date of birth, sex, nationality, relation).",
    "documents": "Establish identity and residence status (identity documents, MRZ).",
    "contact": "Reach the household (phone, contact language).",
    "health": "Protect vulnerable persons: suitable rooms, care, safeguarding "
              "(vulnerability flags, health notes; Art. 9 GDPR).",
    "accommodation": "Provide a bed and know who is in which building (stays, beds).",
    "services": "Hand out meals, SIM cards and other services once (cards, deliveries).",
    "clarification": "Clarify residence, benefits, health insurance and distribution with "
                     "the authorities (clarification items, appointments).",
    "handover": "Hand a transferred household over to the receiving district (names as in "
                "the document and in Cyrillic, dates of birth, relations, needs relevant for "
                "accommodation, open items by authority).",
}


# Processing that a deployment switches on; the record says whether it is on here.
PHOTO_PURPOSE = ("Recognise the card holder at the gate and the scan station and on the "
                 "printed card (optional photo, identity field group; only when the "
                 "deployment switched ARRIVAL_PERSON_PHOTOS on; deleted with the person's "
                 "data at erasure and by the retention sweep).")


@dataclass(frozen=True)
class Export:
    name: str
    endpoints: tuple[str, ...]  # the endpoints (or CLI) that produce it
    recipient: str
    contents: str
    purpose: str


EXPORTS: tuple[Export, ...] = (
    Export("situation report", ("reports.download", "cli: flask sitrep generate"),
           "Regierungspräsidium (RP), coordination staff",
           "aggregate figures per day (no names); small counts suppressed when configured",
           "The daily situation report the regional authority requires."),
    Export("RP annex", ("cli: flask sitrep generate (SITREP_RP_ANNEX)",),
           "Regierungspräsidium (RP)",
           "persons with open regional items: reference, names, date of birth, nationality, "
           "topic", "Fingerprint registration and distribution by the RP (only when "
                    "configured)."),
    Export("presence list", ("gate.export",), "security service, fire brigade",
           "names, year of birth and rooms of everyone inside a site",
           "Evacuation and roll call."),
    Export("arrival cards", ("cards.print_household", "cards.print_person", "api.card_pdf"),
           "the person", "name, date of birth, card number and QR token; the photo when "
           "ARRIVAL_PERSON_PHOTOS is on",
           "The card the person shows at service points."),
    Export("appointment slip", ("appointments.slip", "api.appointment_slip"), "the person",
           "date, time, place, purpose of an appointment, names",
           "Telling the family when and where to come."),
    Export("hand-over package", ("transfers.handover", "transfers.download_handover",
                                 "api.transfer_handover", "api.transfer_handover_archive",
                                 "cli: flask transfers handover"),
           "the receiving district's reception office (by e-mail, AES-encrypted ZIP; the "
           "password goes separately)",
           "per transferred person: names (document and Cyrillic), date of birth, household, "
           "relation, needs relevant for accommodation, open items by authority; a manifest",
           "Transfer of a household to another district (distribution by the RP)."),
    Export("information notice", ("prereg.print_notice",), "the person (Art. 13 GDPR)",
           "the notice text in German and the family's language (no person data)",
           "Telling the family what is stored, why, for how long and who sees it."),
    Export("access report", ("privacy.access_report", "api.privacy_access_report",
                             "cli: flask privacy access-report"),
           "the person (Art. 15 GDPR)", "everything held about the person and who read it",
           "The right of access."),
    Export("record of processing", ("privacy.record", "api.privacy_record",
                                    "cli: flask privacy record"),
           "data-protection officer, supervisory authority", "this document (no person data)",
           "Art. 30 GDPR."),
)

# Endpoints whose name says they hand data out of the system: each must belong to
# an export above (tests/privacy/test_record.py).
EXPORT_WORDS = ("export", "download", "print", "pdf", "slip", "access_report", "record")


def exported_endpoints() -> set[str]:
    return {endpoint for export in EXPORTS for endpoint in export.endpoints}


def _roles_holding(permission) -> list[str]:
    holders = [role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
    return sorted(holders)


def _groups_of(role: str) -> set[str]:
    if role_needs_authority(role):
        return {g.value for kind in AuthorityKind for g in field_groups_for(role, kind)}
    return {g.value for g in ROLE_FIELD_GROUPS.get(Role(role), frozenset())}


def endpoint_rows() -> list[dict]:
    """Every endpoint that reads persons: its permission, the roles holding it and the
    field groups those roles see (what the endpoint may show at most)."""
    rows = []
    for endpoint in sorted(ENDPOINT_PERMISSIONS):
        if not reads_persons(endpoint):
            continue
        permission = required_permission(endpoint)
        roles = _roles_holding(permission)
        groups = sorted(set().union(*(_groups_of(r) for r in roles))) if roles else []
        rows.append({"endpoint": endpoint, "permission": permission.value, "roles": roles,
                     "field_groups": groups})
    return rows


def document() -> dict:
    config = current_app.config
    roles = []
    for role in Role:
        if role_needs_authority(role):
            groups = {kind.value: sorted(g.value for g in CASEWORKER_FIELD_GROUPS[kind])
                      for kind in AuthorityKind}
        else:
            groups = sorted(g.value for g in ROLE_FIELD_GROUPS[role])
        roles.append({"role": role.value, "purpose": ROLE_PURPOSES.get(role.value, ""),
                      "permissions": sorted(p.value for p in ROLE_PERMISSIONS.get(role, ())),
                      "field_groups": groups})
    return {
        "controller": config["CENTRE_NAME"],
        "optional": [{"processing": "person photo", "setting": "ARRIVAL_PERSON_PHOTOS",
                      "enabled": bool(config.get("PERSON_PHOTOS")), "purpose": PHOTO_PURPOSE,
                      "produced_by": ["api.put_person_photo", "api.person_photo",
                                      "cards.print_household", "cards.print_person",
                                      "api.card_pdf"]}],
        "generated_at": to_local(now()).strftime("%d.%m.%Y %H:%M"),
        "field_groups": [{"group": g.value, "purpose": FIELD_GROUP_PURPOSES.get(g.value, "")}
                         for g in FieldGroup],
        "roles": roles,
        "endpoints": endpoint_rows(),
        "retention": [{"class": c.name, "setting": c.setting, "days": config[c.setting],
                       "action": c.action, "what": c.purpose} for c in retention_classes()],
        "exports": [{"name": e.name, "recipient": e.recipient, "contents": e.contents,
                     "purpose": e.purpose, "produced_by": list(e.endpoints)} for e in EXPORTS],
    }


def markdown(doc: dict | None = None) -> str:
    doc = doc or document()
    out = [f"# Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO) — {doc['controller']}",
           "", f"Erzeugt aus den Tabellen des Programms am {doc['generated_at']}.", "",
           "## Zwecke nach Datengruppen", "", "| Datengruppe | Zweck |", "|---|---|"]
    out += [f"| {g['group']} | {g['purpose']} |" for g in doc["field_groups"]]
    out += ["", "## Zuschaltbare Verarbeitungen", "",
            "| Verarbeitung | Einstellung | eingeschaltet | Zweck |", "|---|---|---|---|"]
    out += [f"| {o['processing']} | {o['setting']} | {'ja' if o['enabled'] else 'nein'} | "
            f"{o['purpose']} |" for o in doc.get("optional", [])]
    out += ["", "## Rollen", "", "| Rolle | Zweck | Datengruppen | Berechtigungen |",
            "|---|---|---|---|"]
    for role in doc["roles"]:
        groups = role["field_groups"]
        if isinstance(groups, dict):
            groups = "; ".join(f"{kind}: {', '.join(g)}" for kind, g in groups.items())
        else:
            groups = ", ".join(groups) or "keine"
        out.append(f"| {role['role']} | {role['purpose']} | {groups} | "
                   f"{', '.join(role['permissions'])} |")
    out += ["", "## Zugriffe auf Personendaten (Endpunkte)", "",
            "| Endpunkt | Berechtigung | Rollen | höchstens sichtbare Datengruppen |",
            "|---|---|---|---|"]
    out += [f"| {e['endpoint']} | {e['permission']} | {', '.join(e['roles'])} | "
            f"{', '.join(e['field_groups'])} |" for e in doc["endpoints"]]
    out += ["", "## Speicherdauer (Löschkonzept)", "",
            "| Datenklasse | Einstellung | Tage | Maßnahme | Inhalt |", "|---|---|---|---|---|"]
    out += [f"| {r['class']} | {r['setting']} | {r['days']} | {r['action']} | {r['what']} |"
            for r in doc["retention"]]
    out += ["", "## Empfänger (Exporte)", "", "| Export | Empfänger | Inhalt | Zweck | Erzeugt durch |",
            "|---|---|---|---|---|"]
    out += [f"| {e['name']} | {e['recipient']} | {e['contents']} | {e['purpose']} | "
            f"{', '.join(e['produced_by'])} |" for e in doc["exports"]]
    return "\n".join(out) + "\n"
