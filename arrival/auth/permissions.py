"""The one permission table.

Every endpoint of the application is listed in ENDPOINT_PERMISSIONS with the
permission it needs and whether it reads persons; a global check
(arrival.auth.guard) enforces the permission before each request and denies
anything unlisted. Roles grant permissions in ROLE_PERMISSIONS, and the field
groups each role may see are declared in the same place, so that pages and
exports ask one source. This is the only module that names roles: elsewhere the
code asks for a permission or a field group.

Adding an endpoint: add its line here. tests/auth/test_permission_table.py fails
for a route that is not classified and checks every endpoint × role against a
specification written independently in the test; tests/audit/test_person_reads.py
requests every endpoint declared as reading persons and expects its audit row.

This module imports nothing of the application (auth.models imports it).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple, Protocol


class _Authority(Protocol):
    id: int
    code: str
    kind: str


class _User(Protocol):
    """What the checks need of an account (arrival.auth.models.User)."""

    id: int
    role: str
    authority_id: int | None
    authority: _Authority | None
    is_authenticated: bool


class Role(StrEnum):
    ADMIN = "admin"
    INTAKE = "intake"
    HOUSING = "housing"
    SERVICE_POINT = "service_point"
    CASEWORKER = "caseworker"
    COORDINATOR = "coordinator"
    SECURITY = "security"  # security service at a site's gate (issue 17)
    DATA_PROTECTION = "data_protection"  # answers data subjects' requests (issue 20)


class Permission(StrEnum):
    PUBLIC = "public"  # no login needed (allow-list)
    AUTHENTICATED = "authenticated"  # any signed-in user, whatever the role
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    CATALOG_READ = "catalog.read"
    REGISTRY_READ = "registry.read"  # find persons, open households
    REGISTRY_WRITE = "registry.write"  # register households, add and edit persons
    HOUSING_READ = "housing.read"  # occupancy, sites, absence list
    HOUSING_PLACE = "housing.place"  # assign beds, check in/out, move
    HOUSING_MANAGE = "housing.manage"  # sites, units, beds
    CARDS_ISSUE = "cards.issue"  # print, reissue and revoke arrival cards
    SCAN = "services.scan"  # scan stations
    DELIVERIES_VOID = "services.void"  # void a delivery the own account recorded
    DELIVERIES_VOID_ANY = "services.void_any"  # ... or any delivery (station lead)
    CASES_READ = "cases.read"  # queues and case views (own authority, or all: coordination)
    CASES_WORK = "cases.work"  # change items (always only those of the own authority)
    # read every authority's items in full and choose the queue's authority (coordination);
    # without it a reader sees the own authority's queue only
    CASES_ALL_AUTHORITIES = "cases.all_authorities"
    DASHBOARD = "dashboard.read"  # aggregate figures, no names
    REPORTS_READ = "reports.read"  # download situation reports
    REPORTS_GENERATE = "reports.generate"  # generate now, remarks
    # appointments (issue 16; granted in the appointments block below the tables)
    APPOINTMENTS_READ = "appointments.read"  # calendars, day lists, a household's appointments
    APPOINTMENTS_BOOK = "appointments.book"  # book (own authority; intake: the first ones)
    APPOINTMENTS_WORK = "appointments.work"  # arrived/attended/missed, rebook, cancel, call up
    APPOINTMENTS_MANAGE = "appointments.manage"  # calendars, slots, blocked days
    APPOINTMENTS_SCREEN = "appointments.screen"  # the call-up screen (card numbers only)
    APPOINTMENTS_BOOK_FIRST = "appointments.book_first"  # any authority's first appointment
    GATE_SCAN = "gate.scan"  # gate mode (IN/OUT/SEEN), visitor and staff log
    GATE_PRESENCE = "gate.presence"  # evacuation list, assembly kiosk, roll call, export
    # data protection (issue 20; granted in the data-protection block below the tables)
    PRIVACY_READ = "privacy.read"  # Art. 15 access reports, the record of processing
    PRIVACY_ACT = "privacy.act"  # erasure and restriction on request (Art. 17/18)
    RESTRICTED_READ = "privacy.restricted"  # see records whose processing is restricted
    # transfers to other districts (issue 18; granted in the transfers block below)
    TRANSFERS_READ = "transfers.read"  # bus lists, quota view, destinations
    TRANSFERS_DECIDE = "transfers.decide"  # distribution decisions (RP)
    TRANSFERS_PLAN = "transfers.plan"  # bus lists: create, add, remove, depart (RP)
    TRANSFERS_BOARD = "transfers.board"  # boarding by card at the bus
    TRANSFERS_HANDOVER = "transfers.handover"  # the hand-over package (with its field group)
    TRANSFERS_DESTINATIONS = "transfers.destinations"  # edit destinations and the key (admin)
    # the optional photo of a person (issue 17): part of identity, so exactly the roles
    # that see the identity field group hold it (granted in the photo block below)
    PHOTOS_READ = "registry.photos_read"


class FieldGroup(StrEnum):
    """Groups of a person's data; a role sees a group entirely or not at all."""

    IDENTITY = "identity"  # names, date of birth, sex, nationality, relation
    DOCUMENTS = "documents"  # identity documents, MRZ
    CONTACT = "contact"  # phone, contact language
    HEALTH = "health"  # vulnerability flags, notes on health (GDPR Art. 9)
    ACCOMMODATION = "accommodation"  # stays, site, bed
    SERVICES = "services"  # cards, deliveries
    CLARIFICATION = "clarification"  # clarification items (own authority in full)
    # What a receiving district gets in the hand-over package (issue 18): names as in
    # the document and in Cyrillic, date of birth, household and relation, the needs
    # that matter for accommodation (derived, no diagnoses), open items by authority.
    HANDOVER = "handover"


class AuthorityKind(StrEnum):
    SOCIAL = "social"
    SECURITY = "security"
    REGIONAL = "regional"


class Reads(StrEnum):
    """Whether an endpoint reads persons (declared for every endpoint)."""

    PERSONS = "persons"
    NOTHING = "no person data"


class Access(NamedTuple):
    permission: Permission
    reads: Reads

    @property
    def reads_persons(self) -> bool:
        return self.reads is Reads.PERSONS


A = Access
PERSONS = Reads.PERSONS
NONE = Reads.NOTHING


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The administrator is also the station lead: it may void any delivery (it sees no
    # person data doing so).
    Role.ADMIN: frozenset({P.USERS_MANAGE, P.AUDIT_READ, P.CATALOG_READ, P.HOUSING_READ,
                           P.HOUSING_MANAGE, P.DELIVERIES_VOID, P.DELIVERIES_VOID_ANY}),
    Role.INTAKE: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.REGISTRY_WRITE, P.HOUSING_READ,
                            P.HOUSING_PLACE, P.CARDS_ISSUE, P.SCAN, P.DELIVERIES_VOID}),
    Role.HOUSING: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.HOUSING_READ, P.HOUSING_PLACE,
                             P.HOUSING_MANAGE, P.DASHBOARD}),
    Role.SERVICE_POINT: frozenset({P.CATALOG_READ, P.SCAN, P.DELIVERIES_VOID}),
    Role.CASEWORKER: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.CASES_READ, P.CASES_WORK,
                                P.DASHBOARD}),
    Role.COORDINATOR: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.HOUSING_READ,
                                 P.CASES_READ, P.CASES_ALL_AUTHORITIES, P.DASHBOARD,
                                 P.REPORTS_READ, P.REPORTS_GENERATE}),
}

# --- Gate presence and evacuation (issue 17) -------------------------------------------
# The security service runs the gate and the roll call; coordination may do both;
# housing (site management) reads the evacuation list and runs roll calls; service
# points may staff a gate (they see first names only, no evacuation list).
GATE_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SECURITY: frozenset({P.CATALOG_READ, P.GATE_SCAN, P.GATE_PRESENCE}),
    Role.COORDINATOR: frozenset({P.GATE_SCAN, P.GATE_PRESENCE}),
    Role.HOUSING: frozenset({P.GATE_PRESENCE}),
    Role.SERVICE_POINT: frozenset({P.GATE_SCAN}),
}
for _role, _extra in GATE_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | _extra
# --- end of the gate block ------------------------------------------------------------

# Caseworkers get these on top of their role, by the kind of their authority: the
# regional authority (RP) receives the situation report.
AUTHORITY_KIND_PERMISSIONS: dict[AuthorityKind, frozenset[Permission]] = {
    AuthorityKind.REGIONAL: frozenset({P.REPORTS_READ}),
}

# Roles whose accounts belong to exactly one authority (and only these).
ROLES_WITH_AUTHORITY: frozenset[Role] = frozenset({Role.CASEWORKER})

G = FieldGroup

# Purpose limitation: what each role needs to do its work and nothing more.
# The administrator runs accounts and catalogues and sees no person data.
ROLE_FIELD_GROUPS: dict[Role, frozenset[FieldGroup]] = {
    Role.ADMIN: frozenset(),
    Role.INTAKE: frozenset(
        {G.IDENTITY, G.DOCUMENTS, G.CONTACT, G.HEALTH, G.ACCOMMODATION, G.SERVICES}
    ),
    # Housing needs mobility and care flags to choose a suitable room.
    Role.HOUSING: frozenset({G.IDENTITY, G.CONTACT, G.HEALTH, G.ACCOMMODATION}),
    # Service points see only the minimal card answer (first name, household size,
    # flag instructions), produced by the services domain, never a person's record.
    Role.SERVICE_POINT: frozenset({G.SERVICES}),
    Role.COORDINATOR: frozenset({G.IDENTITY, G.ACCOMMODATION, G.CLARIFICATION}),
    # Gate and evacuation list (issue 17): names and where someone lives, nothing else;
    # who needs help on the stairs is shown as a derived mark, not as health data.
    Role.SECURITY: frozenset({G.IDENTITY, G.ACCOMMODATION}),
}

# Caseworkers see what their authority's kind of work needs.
CASEWORKER_FIELD_GROUPS: dict[AuthorityKind, frozenset[FieldGroup]] = {
    AuthorityKind.SECURITY: frozenset(
        {G.IDENTITY, G.DOCUMENTS, G.CONTACT, G.ACCOMMODATION, G.CLARIFICATION}
    ),
    AuthorityKind.SOCIAL: frozenset(
        {G.IDENTITY, G.CONTACT, G.HEALTH, G.ACCOMMODATION, G.CLARIFICATION}
    ),
    AuthorityKind.REGIONAL: frozenset({G.IDENTITY, G.DOCUMENTS, G.ACCOMMODATION, G.CLARIFICATION}),
}

# The free-text notes of these authorities' clarification items belong to a field
# group: the health office writes about health (GDPR Art. 9), so whoever reads its
# items in full without the health group reads them without the notes.
AUTHORITY_NOTE_FIELD_GROUPS: dict[str, FieldGroup] = {
    "gesundheitsamt": G.HEALTH,
}

# Every endpoint, with the permission it needs and whether it reads persons (shows
# or returns data of registered persons — names, dates of birth, documents, flags,
# stays, items, even only their ids). An endpoint that reads persons writes an audit
# row naming every person it showed (tests/audit/test_person_reads.py requests each
# one). Unlisted endpoints are refused.
ENDPOINT_PERMISSIONS: dict[str, Access | Permission] = {
    # public allow-list
    "static": A(P.PUBLIC, NONE),
    "core.healthz": A(P.PUBLIC, NONE),
    "core.set_language": A(P.PUBLIC, NONE),
    "auth.login": A(P.PUBLIC, NONE),
    # any signed-in user
    "core.index": A(P.AUTHENTICATED, NONE),
    "auth.logout": A(P.AUTHENTICATED, NONE),
    "auth.change_password": A(P.AUTHENTICATED, NONE),
    "auth.keepalive": A(P.AUTHENTICATED, NONE),
    # the key of the account's own form drafts on the tablet (arrival/auth/drafts.py)
    "auth.draft_key_json": A(P.REGISTRY_WRITE, NONE),
    "api.me": A(P.AUTHENTICATED, NONE),
    "api.openapi": A(P.AUTHENTICATED, NONE),
    # catalogue
    "api.catalog": A(P.CATALOG_READ, NONE),
    # administration
    "users.index": A(P.USERS_MANAGE, NONE),
    "users.create": A(P.USERS_MANAGE, NONE),
    "users.edit": A(P.USERS_MANAGE, NONE),
    "users.reset_password": A(P.USERS_MANAGE, NONE),
    "users.set_active": A(P.USERS_MANAGE, NONE),
    "api.users": A(P.USERS_MANAGE, NONE),
    "audit.index": A(P.AUDIT_READ, NONE),
    "api.audit_events": A(P.AUDIT_READ, NONE),
    # registry (intake)
    "registry.search": A(P.REGISTRY_READ, PERSONS),
    "registry.household": A(P.REGISTRY_READ, PERSONS),
    "registry.new_household": A(P.REGISTRY_WRITE, PERSONS),
    "registry.add_member": A(P.REGISTRY_WRITE, PERSONS),
    "registry.edit_person": A(P.REGISTRY_WRITE, PERSONS),
    "api.search_persons": A(P.REGISTRY_READ, PERSONS),
    "api.get_household": A(P.REGISTRY_READ, PERSONS),
    "api.create_household": A(P.REGISTRY_WRITE, PERSONS),
    "api.duplicates": A(P.REGISTRY_WRITE, PERSONS),
    "api.read_mrz": A(P.REGISTRY_WRITE, NONE),
    "api.transliterate": A(P.REGISTRY_WRITE, NONE),
    # housing
    "housing.overview": A(P.HOUSING_READ, NONE),
    "housing.site": A(P.HOUSING_READ, PERSONS),
    "housing.absent": A(P.HOUSING_PLACE, PERSONS),
    "housing.new_site": A(P.HOUSING_MANAGE, NONE),
    "housing.edit_site": A(P.HOUSING_MANAGE, NONE),
    "housing.close_site": A(P.HOUSING_MANAGE, NONE),
    "housing.new_unit": A(P.HOUSING_MANAGE, NONE),
    "housing.edit_unit": A(P.HOUSING_MANAGE, NONE),
    "housing.add_beds": A(P.HOUSING_MANAGE, NONE),
    "housing.block_bed": A(P.HOUSING_MANAGE, NONE),
    "housing.unblock_bed": A(P.HOUSING_MANAGE, NONE),
    "housing.place": A(P.HOUSING_PLACE, PERSONS),
    "housing.move": A(P.HOUSING_PLACE, PERSONS),
    "housing.check_in": A(P.HOUSING_PLACE, NONE),
    "housing.check_out": A(P.HOUSING_PLACE, PERSONS),
    "api.sites": A(P.HOUSING_READ, NONE),
    "api.create_stays": A(P.HOUSING_PLACE, NONE),
    "api.move_stays": A(P.HOUSING_PLACE, NONE),
    "api.check_in_stay": A(P.HOUSING_PLACE, NONE),
    "api.check_out_stay": A(P.HOUSING_PLACE, NONE),
    "api.bed_proposals": A(P.HOUSING_PLACE, PERSONS),
    # cards and service points
    "cards.print_household": A(P.CARDS_ISSUE, PERSONS),
    "cards.print_person": A(P.CARDS_ISSUE, PERSONS),
    "cards.revoke": A(P.CARDS_ISSUE, NONE),
    "api.issue_card": A(P.CARDS_ISSUE, NONE),
    "api.card_pdf": A(P.CARDS_ISSUE, PERSONS),
    "api.revoke_card": A(P.CARDS_ISSUE, NONE),
    "services.station": A(P.SCAN, NONE),
    "services.station_scan": A(P.SCAN, PERSONS),
    "services.void": A(P.DELIVERIES_VOID, NONE),
    "api.scan": A(P.SCAN, PERSONS),
    "api.void_delivery": A(P.DELIVERIES_VOID, NONE),
    # clarification
    "cases.index": A(P.CASES_READ, PERSONS),
    "cases.item": A(P.CASES_READ, PERSONS),
    "cases.bulk": A(P.CASES_WORK, NONE),
    "cases.assign": A(P.CASES_WORK, NONE),
    "api.case_items": A(P.CASES_READ, PERSONS),
    "api.transition_item": A(P.CASES_WORK, NONE),
    "api.household_clarification": A(P.CASES_READ, PERSONS),
    # coordination
    "dashboard.index": A(P.DASHBOARD, NONE),
    "api.dashboard_api": A(P.DASHBOARD, NONE),
    "reports.index": A(P.REPORTS_READ, NONE),
    "reports.download": A(P.REPORTS_READ, NONE),
    "reports.generate": A(P.REPORTS_GENERATE, NONE),
    "reports.remark": A(P.REPORTS_GENERATE, NONE),
    # --- gate presence and evacuation (issue 17) ---
    "gate.index": A(P.GATE_SCAN, NONE),
    "gate.station": A(P.GATE_SCAN, NONE),
    "gate.station_scan": A(P.GATE_SCAN, PERSONS),
    "gate.visits": A(P.GATE_SCAN, NONE),  # visitors and staff, not registered persons
    "gate.sign_in": A(P.GATE_SCAN, NONE),
    "gate.sign_out": A(P.GATE_SCAN, NONE),
    "gate.settings": A(P.HOUSING_MANAGE, NONE),
    "gate.evacuation": A(P.GATE_PRESENCE, PERSONS),
    "gate.kiosk": A(P.GATE_PRESENCE, NONE),  # the page holds no names; its data: the API
    "gate.kiosk_worker": A(P.GATE_PRESENCE, NONE),
    "gate.roll_calls": A(P.GATE_PRESENCE, NONE),
    "gate.start_roll_call": A(P.GATE_PRESENCE, NONE),
    "gate.roll_call": A(P.GATE_PRESENCE, PERSONS),
    "gate.end_roll_call": A(P.GATE_PRESENCE, NONE),
    "gate.export": A(P.GATE_PRESENCE, PERSONS),
    "api.gate_scan": A(P.GATE_SCAN, PERSONS),
    "api.gate_evacuation": A(P.GATE_PRESENCE, PERSONS),
    "api.gate_roll_call": A(P.GATE_PRESENCE, PERSONS),
    "api.gate_tick": A(P.GATE_PRESENCE, PERSONS),
    # offline use (issue 14): a gate scan made offline, sent later (answers like a scan)
    "api.gate_offline_scan": A(P.GATE_SCAN, PERSONS),
    # the app's service worker and the queue list: neither holds personal data (the
    # queue is read from the tablet's encrypted store by the page itself)
    "offline.worker": A(P.AUTHENTICATED, NONE),
    "offline.queue": A(P.AUTHENTICATED, NONE),
    # the account's own key for its queue on the tablet
    "api.offline_key": A(P.AUTHENTICATED, NONE),
    # a station's small card list: first name and household size per card
    "api.offline_station_list": A(P.SCAN, PERSONS),
    "api.offline_scan": A(P.SCAN, NONE),
    # the station lead's list of offline deliveries that broke a rule (card numbers only)
    "offline.violations": A(P.DELIVERIES_VOID_ANY, NONE),
    "api.offline_violations": A(P.DELIVERIES_VOID_ANY, NONE),
    # --- pre-registration (issue 15): the phone side is public and reads nothing back;
    # a pre-registration is not yet a registered person (opening it is audited) ---
    "prereg.public_form": A(P.PUBLIC, NONE),
    "prereg.public_notice": A(P.PUBLIC, NONE),
    "api.submit_pre_registration": A(P.PUBLIC, NONE),
    "prereg.desk": A(P.REGISTRY_WRITE, NONE),
    "api.open_pre_registration": A(P.REGISTRY_WRITE, NONE),
    "prereg.print_notice": A(P.REGISTRY_READ, NONE),
}




def _access(endpoint: str) -> Access | None:
    entry = ENDPOINT_PERMISSIONS.get(endpoint)
    if entry is None or isinstance(entry, Access):
        return entry
    return Access(entry, None)  # a bare permission: reads persons is undeclared


# --- appointments (issue 16) -------------------------------------------------------------
# Each authority books and changes its own appointments (the operations check the
# authority), intake may book the first ones, coordinators read. Calendars are
# kept by the authority's caseworkers or the administrator (no person data).
APPOINTMENT_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({P.APPOINTMENTS_MANAGE}),
    Role.INTAKE: frozenset({P.APPOINTMENTS_READ, P.APPOINTMENTS_BOOK, P.APPOINTMENTS_BOOK_FIRST,
                            P.APPOINTMENTS_SCREEN}),
    Role.SERVICE_POINT: frozenset({P.APPOINTMENTS_SCREEN}),
    Role.CASEWORKER: frozenset({P.APPOINTMENTS_READ, P.APPOINTMENTS_BOOK, P.APPOINTMENTS_WORK,
                                P.APPOINTMENTS_MANAGE, P.APPOINTMENTS_SCREEN}),
    Role.COORDINATOR: frozenset({P.APPOINTMENTS_READ, P.APPOINTMENTS_SCREEN}),
}
for _role, _granted in APPOINTMENT_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted
ENDPOINT_PERMISSIONS.update({
    "appointments.index": A(P.APPOINTMENTS_READ, NONE),
    "appointments.required": A(P.APPOINTMENTS_READ, PERSONS),
    "api.appointments_required": A(P.APPOINTMENTS_READ, PERSONS),
    "appointments.calendar": A(P.APPOINTMENTS_READ, NONE),
    "appointments.new_calendar": A(P.APPOINTMENTS_MANAGE, NONE),
    "appointments.generate": A(P.APPOINTMENTS_MANAGE, NONE),
    "appointments.block": A(P.APPOINTMENTS_MANAGE, NONE),
    "appointments.day": A(P.APPOINTMENTS_READ, PERSONS),
    "appointments.arrive": A(P.APPOINTMENTS_WORK, NONE),
    "appointments.bulk_attended": A(P.APPOINTMENTS_WORK, NONE),
    "appointments.desk": A(P.APPOINTMENTS_WORK, NONE),
    "appointments.call_next": A(P.APPOINTMENTS_WORK, NONE),
    "appointments.screen": A(P.APPOINTMENTS_SCREEN, NONE),
    "appointments.book": A(P.APPOINTMENTS_BOOK, PERSONS),
    "appointments.transition": A(P.APPOINTMENTS_WORK, NONE),
    "appointments.rebook": A(P.APPOINTMENTS_WORK, PERSONS),
    "appointments.slip": A(P.APPOINTMENTS_READ, PERSONS),
    "api.appointment_calendars": A(P.APPOINTMENTS_READ, NONE),
    "api.create_appointment_calendar": A(P.APPOINTMENTS_MANAGE, NONE),
    "api.generate_appointment_slots": A(P.APPOINTMENTS_MANAGE, NONE),
    "api.block_appointment_day": A(P.APPOINTMENTS_MANAGE, NONE),
    "api.book_appointment": A(P.APPOINTMENTS_BOOK, PERSONS),
    "api.household_appointments": A(P.APPOINTMENTS_READ, PERSONS),
    "api.transition_appointment": A(P.APPOINTMENTS_WORK, PERSONS),
    "api.rebook_appointment": A(P.APPOINTMENTS_WORK, PERSONS),
    "api.appointment_day": A(P.APPOINTMENTS_READ, PERSONS),
    "api.appointment_arrival": A(P.APPOINTMENTS_WORK, PERSONS),
    "api.appointment_call_next": A(P.APPOINTMENTS_WORK, NONE),
    "api.appointment_screen": A(P.APPOINTMENTS_SCREEN, NONE),
    "api.appointment_slip": A(P.APPOINTMENTS_READ, PERSONS),
    "api.appointment_figures": A(P.DASHBOARD, NONE),
})


# --- data protection (issue 20) ---------------------------------------------------------
# The data-protection role answers the rights of the persons (access, erasure,
# restriction): it reads every field group of the record it reports on, and it and
# the administrator are the only ones who still see a restricted record (Art. 18).
PRIVACY_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DATA_PROTECTION: frozenset({P.CATALOG_READ, P.PRIVACY_READ, P.PRIVACY_ACT,
                                     P.RESTRICTED_READ, P.AUDIT_READ}),
    Role.ADMIN: frozenset({P.RESTRICTED_READ}),
}
for _role, _granted in PRIVACY_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | _granted
ROLE_FIELD_GROUPS[Role.DATA_PROTECTION] = frozenset(FieldGroup)
ENDPOINT_PERMISSIONS.update({
    "privacy.index": A(P.PRIVACY_READ, PERSONS),
    "privacy.subject": A(P.PRIVACY_READ, PERSONS),
    "privacy.access_report": A(P.PRIVACY_READ, PERSONS),
    "privacy.restrict": A(P.PRIVACY_ACT, NONE),
    "privacy.lift_restriction": A(P.PRIVACY_ACT, NONE),
    "privacy.erase": A(P.PRIVACY_ACT, NONE),
    "privacy.record": A(P.PRIVACY_READ, NONE),
    "api.privacy_access_report": A(P.PRIVACY_READ, PERSONS),
    "api.privacy_restrict": A(P.PRIVACY_ACT, NONE),
    "api.privacy_lift_restriction": A(P.PRIVACY_ACT, NONE),
    "api.privacy_erase": A(P.PRIVACY_ACT, NONE),
    "api.privacy_record": A(P.PRIVACY_READ, NONE),
})
# --- end of the data-protection block -----------------------------------------------------
# --- transfers to other districts (issue 18) --------------------------------------------
# The RP decides, plans the buses, boards and sends the hand-over package; housing boards
# at the bus (it checks people out anyway) and reads the lists; coordination reads.
# The administrator keeps destinations and the distribution key (no person data).
TRANSFER_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({P.TRANSFERS_DESTINATIONS}),
    Role.HOUSING: frozenset({P.TRANSFERS_READ, P.TRANSFERS_BOARD}),
    Role.COORDINATOR: frozenset({P.TRANSFERS_READ}),
}
for _role, _granted in TRANSFER_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted
AUTHORITY_KIND_PERMISSIONS[AuthorityKind.REGIONAL] = (
    AUTHORITY_KIND_PERMISSIONS[AuthorityKind.REGIONAL]
    | {P.TRANSFERS_READ, P.TRANSFERS_DECIDE, P.TRANSFERS_PLAN, P.TRANSFERS_BOARD,
       P.TRANSFERS_HANDOVER})
# The receiving authority's field group goes with the RP, who sends the package.
CASEWORKER_FIELD_GROUPS[AuthorityKind.REGIONAL] = (
    CASEWORKER_FIELD_GROUPS[AuthorityKind.REGIONAL] | {G.HANDOVER})
ENDPOINT_PERMISSIONS.update({
    "transfers.index": A(P.TRANSFERS_READ, NONE),
    "transfers.quota": A(P.TRANSFERS_READ, NONE),
    "transfers.destinations": A(P.CATALOG_READ, NONE),  # reference data, like the catalogue
    "transfers.edit_destination": A(P.TRANSFERS_DESTINATIONS, NONE),
    "transfers.decide": A(P.TRANSFERS_DECIDE, PERSONS),
    "transfers.new_batch": A(P.TRANSFERS_PLAN, NONE),
    "transfers.batch": A(P.TRANSFERS_READ, PERSONS),
    "transfers.edit_batch": A(P.TRANSFERS_PLAN, NONE),
    "transfers.add_households": A(P.TRANSFERS_PLAN, NONE),
    "transfers.remove_household": A(P.TRANSFERS_PLAN, NONE),
    "transfers.confirm_care": A(P.TRANSFERS_PLAN, NONE),
    "transfers.depart": A(P.TRANSFERS_PLAN, NONE),
    "transfers.boarding": A(P.TRANSFERS_BOARD, PERSONS),
    "transfers.board": A(P.TRANSFERS_BOARD, PERSONS),
    "transfers.undo_boarding": A(P.TRANSFERS_BOARD, PERSONS),
    "transfers.cancel_batch": A(P.TRANSFERS_PLAN, NONE),
    "transfers.handover": A(P.TRANSFERS_HANDOVER, PERSONS),
    "transfers.download_handover": A(P.TRANSFERS_HANDOVER, PERSONS),
    "api.transfer_destinations": A(P.CATALOG_READ, NONE),
    "api.transfer_quota": A(P.TRANSFERS_READ, NONE),
    "api.distribution_decision": A(P.TRANSFERS_DECIDE, PERSONS),
    "api.transfer_batches": A(P.TRANSFERS_READ, NONE),
    "api.create_transfer_batch": A(P.TRANSFERS_PLAN, NONE),
    "api.transfer_batch": A(P.TRANSFERS_READ, PERSONS),
    "api.add_transfer_household": A(P.TRANSFERS_PLAN, PERSONS),
    "api.remove_transfer_household": A(P.TRANSFERS_PLAN, NONE),
    "api.transfer_boarding": A(P.TRANSFERS_BOARD, PERSONS),
    "api.undo_transfer_boarding": A(P.TRANSFERS_BOARD, PERSONS),
    "api.cancel_transfer_batch": A(P.TRANSFERS_PLAN, NONE),
    "api.depart_transfer_batch": A(P.TRANSFERS_PLAN, PERSONS),
    "api.transfer_handover": A(P.TRANSFERS_HANDOVER, PERSONS),
    "api.transfer_handover_archive": A(P.TRANSFERS_HANDOVER, PERSONS),
})


# --- the optional person photo (issue 17; PERSON_PHOTOS, off by default) ----------------
# The photo is identity data: whoever sees the identity field group may see it (at the
# gate, the scan station, the household page); only intake takes or deletes one. With
# photos switched off every photo endpoint answers 404.
for _role, _groups in ROLE_FIELD_GROUPS.items():
    if G.IDENTITY in _groups:
        ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | {P.PHOTOS_READ}
if all(G.IDENTITY in groups for groups in CASEWORKER_FIELD_GROUPS.values()):
    ROLE_PERMISSIONS[Role.CASEWORKER] = ROLE_PERMISSIONS[Role.CASEWORKER] | {P.PHOTOS_READ}
ENDPOINT_PERMISSIONS.update({
    "api.put_person_photo": A(P.REGISTRY_WRITE, NONE),  # answers the size, no person data
    "api.person_photo": A(P.PHOTOS_READ, PERSONS),
    "api.delete_person_photo": A(P.REGISTRY_WRITE, NONE),
})
# --- end of the photo block ---------------------------------------------------------------


def required_permission(endpoint: str | None) -> Permission | None:
    """The permission an endpoint needs, or None when it is not classified."""
    if endpoint is None:
        return None
    access = _access(endpoint)
    return access.permission if access else None


def reads_persons(endpoint: str) -> bool | None:
    """Whether the endpoint is declared to read persons; None when undeclared."""
    access = _access(endpoint)
    if access is None or access.reads is None:
        return None
    return access.reads_persons


def person_reading_endpoints() -> set[str]:
    return {endpoint for endpoint in ENDPOINT_PERMISSIONS if reads_persons(endpoint)}


def role_has(role: Role | str, permission: Permission) -> bool:
    if permission in (P.PUBLIC, P.AUTHENTICATED):
        return True
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def permissions_of(user: _User | None) -> frozenset[Permission]:
    """Everything the user holds: its role's permissions and its authority kind's."""
    if not _signed_in(user):
        return frozenset()
    granted = ROLE_PERMISSIONS.get(Role(user.role), frozenset())
    authority = getattr(user, "authority", None)
    if Role(user.role) in ROLES_WITH_AUTHORITY and authority is not None:
        granted |= AUTHORITY_KIND_PERMISSIONS.get(AuthorityKind(authority.kind), frozenset())
    return granted


def user_has(user: _User | None, permission: Permission) -> bool:
    if permission is P.PUBLIC:
        return True
    if not _signed_in(user):
        return False
    return permission is P.AUTHENTICATED or permission in permissions_of(user)


def can_open(user: _User | None, endpoint: str) -> bool:
    """Whether the user may open an endpoint; used for menus and links."""
    permission = required_permission(endpoint)
    return permission is not None and user_has(user, permission)


def role_needs_authority(role: Role | str) -> bool:
    return Role(role) in ROLES_WITH_AUTHORITY


def own_authority_only(user: _User | None) -> int | None:
    """The authority a user's case work is bound to: its own, unless it may read every
    authority's items (then None)."""
    if not _signed_in(user) or user_has(user, P.CASES_ALL_AUTHORITIES):
        return None
    return user.authority_id


def works_for(user: _User | None, authority_id: int | None) -> bool:
    """Whether the user may change items of this authority: case work, own authority."""
    return (user_has(user, P.CASES_WORK) and authority_id is not None
            and user.authority_id == authority_id)


def reads_items_in_full(user: _User | None, authority_id: int | None) -> bool:
    return user_has(user, P.CASES_ALL_AUTHORITIES) or works_for(user, authority_id)


def may_read_item_notes(user: _User | None, authority_code: str) -> bool:
    """Free-text notes of an authority's items: only with the field group they belong to
    (the authority's own caseworkers always read their own notes)."""
    group = AUTHORITY_NOTE_FIELD_GROUPS.get(authority_code)
    if group is None:
        return True
    own = getattr(getattr(user, "authority", None), "code", None) == authority_code
    return own or group in user_field_groups(user)


def may_void_delivery(user: _User | None, recorded_by_id: int | None) -> bool:
    """One's own station's deliveries (recorded by the same account), or any as lead."""
    if user_has(user, P.DELIVERIES_VOID_ANY):
        return True
    return (user_has(user, P.DELIVERIES_VOID) and recorded_by_id is not None
            and recorded_by_id == user.id)


def field_groups_for(role: Role | str, authority_kind: AuthorityKind | str | None = None):
    role = Role(role)
    if role is Role.CASEWORKER:
        if authority_kind is None:
            return frozenset()
        return CASEWORKER_FIELD_GROUPS[AuthorityKind(authority_kind)]
    return ROLE_FIELD_GROUPS[role]


def user_field_groups(user: _User | None) -> frozenset[FieldGroup]:
    if not _signed_in(user):
        return frozenset()
    kind = user.authority.kind if user.authority is not None else None
    return field_groups_for(user.role, kind)


def sees(user: _User | None, group: FieldGroup) -> bool:
    return FieldGroup(group) in user_field_groups(user)
