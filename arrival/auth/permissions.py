"""The one permission table.

Every endpoint of the application is listed in ENDPOINT_PERMISSIONS with the
permission it needs; a global check (arrival.auth.guard) enforces it before each
request and denies anything unlisted. Roles grant permissions in ROLE_PERMISSIONS,
and the field groups each role may see are declared in the same place, so that
pages and exports ask one source.

Adding an endpoint: add its line here. tests/auth/test_permission_table.py fails
for a route that is not classified and checks every endpoint × role.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arrival.auth.models import User


class Role(StrEnum):
    ADMIN = "admin"
    INTAKE = "intake"
    HOUSING = "housing"
    SERVICE_POINT = "service_point"
    CASEWORKER = "caseworker"
    COORDINATOR = "coordinator"


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
    CASES_READ = "cases.read"  # queues and case views (own authority, or all: coordination)
    CASES_WORK = "cases.work"  # change items (always only those of the own authority)
    DASHBOARD = "dashboard.read"  # aggregate figures, no names
    REPORTS_READ = "reports.read"  # download situation reports
    REPORTS_GENERATE = "reports.generate"  # generate now, remarks
    # appointments (issue 16; granted in the appointments block below the tables)
    APPOINTMENTS_READ = "appointments.read"  # calendars, day lists, a household's appointments
    APPOINTMENTS_BOOK = "appointments.book"  # book (own authority; intake: the first ones)
    APPOINTMENTS_WORK = "appointments.work"  # arrived/attended/missed, rebook, cancel, call up
    APPOINTMENTS_MANAGE = "appointments.manage"  # calendars, slots, blocked days
    APPOINTMENTS_SCREEN = "appointments.screen"  # the call-up screen (card numbers only)


class FieldGroup(StrEnum):
    """Groups of a person's data; a role sees a group entirely or not at all."""

    IDENTITY = "identity"  # names, date of birth, sex, nationality, relation
    DOCUMENTS = "documents"  # identity documents, MRZ
    CONTACT = "contact"  # phone, contact language
    HEALTH = "health"  # vulnerability flags, notes on health (GDPR Art. 9)
    ACCOMMODATION = "accommodation"  # stays, site, bed
    SERVICES = "services"  # cards, deliveries
    CLARIFICATION = "clarification"  # clarification items (own authority in full)


class AuthorityKind(StrEnum):
    SOCIAL = "social"
    SECURITY = "security"
    REGIONAL = "regional"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({P.USERS_MANAGE, P.AUDIT_READ, P.CATALOG_READ, P.HOUSING_READ,
                           P.HOUSING_MANAGE}),
    Role.INTAKE: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.REGISTRY_WRITE, P.HOUSING_READ,
                            P.HOUSING_PLACE, P.CARDS_ISSUE, P.SCAN}),
    Role.HOUSING: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.HOUSING_READ, P.HOUSING_PLACE,
                             P.HOUSING_MANAGE, P.DASHBOARD}),
    Role.SERVICE_POINT: frozenset({P.CATALOG_READ, P.SCAN}),
    Role.CASEWORKER: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.CASES_READ, P.CASES_WORK,
                                P.DASHBOARD}),
    Role.COORDINATOR: frozenset({P.CATALOG_READ, P.REGISTRY_READ, P.HOUSING_READ,
                                 P.CASES_READ, P.DASHBOARD, P.REPORTS_READ,
                                 P.REPORTS_GENERATE}),
}

# Caseworkers get these on top of their role, by the kind of their authority: the
# regional authority (RP) receives the situation report.
AUTHORITY_KIND_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "regional": frozenset({P.REPORTS_READ}),
}

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

# Every endpoint, with the permission it needs. Unlisted endpoints are refused.
ENDPOINT_PERMISSIONS: dict[str, Permission] = {
    # public allow-list
    "static": P.PUBLIC,
    "core.healthz": P.PUBLIC,
    "core.set_language": P.PUBLIC,
    "auth.login": P.PUBLIC,
    # any signed-in user
    "core.index": P.AUTHENTICATED,
    "auth.logout": P.AUTHENTICATED,
    "auth.change_password": P.AUTHENTICATED,
    "auth.keepalive": P.AUTHENTICATED,
    # the key of the account's own form drafts on the tablet (arrival/auth/drafts.py)
    "auth.draft_key_json": P.REGISTRY_WRITE,
    "api.me": P.AUTHENTICATED,
    "api.openapi": P.AUTHENTICATED,
    # catalogue
    "api.catalog": P.CATALOG_READ,
    # administration
    "users.index": P.USERS_MANAGE,
    "users.create": P.USERS_MANAGE,
    "users.edit": P.USERS_MANAGE,
    "users.reset_password": P.USERS_MANAGE,
    "users.set_active": P.USERS_MANAGE,
    "api.users": P.USERS_MANAGE,
    "audit.index": P.AUDIT_READ,
    "api.audit_events": P.AUDIT_READ,
    # registry (intake)
    "registry.search": P.REGISTRY_READ,
    "registry.household": P.REGISTRY_READ,
    "registry.new_household": P.REGISTRY_WRITE,
    "registry.add_member": P.REGISTRY_WRITE,
    "registry.edit_person": P.REGISTRY_WRITE,
    "api.search_persons": P.REGISTRY_READ,
    "api.get_household": P.REGISTRY_READ,
    "api.create_household": P.REGISTRY_WRITE,
    "api.duplicates": P.REGISTRY_WRITE,
    "api.read_mrz": P.REGISTRY_WRITE,
    "api.transliterate": P.REGISTRY_WRITE,
    # housing
    "housing.overview": P.HOUSING_READ,
    "housing.site": P.HOUSING_READ,
    "housing.absent": P.HOUSING_PLACE,
    "housing.new_site": P.HOUSING_MANAGE,
    "housing.edit_site": P.HOUSING_MANAGE,
    "housing.close_site": P.HOUSING_MANAGE,
    "housing.new_unit": P.HOUSING_MANAGE,
    "housing.edit_unit": P.HOUSING_MANAGE,
    "housing.add_beds": P.HOUSING_MANAGE,
    "housing.block_bed": P.HOUSING_MANAGE,
    "housing.unblock_bed": P.HOUSING_MANAGE,
    "housing.place": P.HOUSING_PLACE,
    "housing.move": P.HOUSING_PLACE,
    "housing.check_in": P.HOUSING_PLACE,
    "housing.check_out": P.HOUSING_PLACE,
    "api.sites": P.HOUSING_READ,
    "api.create_stays": P.HOUSING_PLACE,
    "api.move_stays": P.HOUSING_PLACE,
    "api.check_in_stay": P.HOUSING_PLACE,
    "api.check_out_stay": P.HOUSING_PLACE,
    "api.bed_proposals": P.HOUSING_PLACE,
    # cards and service points
    "cards.print_household": P.CARDS_ISSUE,
    "cards.print_person": P.CARDS_ISSUE,
    "cards.revoke": P.CARDS_ISSUE,
    "api.issue_card": P.CARDS_ISSUE,
    "api.card_pdf": P.CARDS_ISSUE,
    "api.revoke_card": P.CARDS_ISSUE,
    "services.station": P.SCAN,
    "services.station_scan": P.SCAN,
    "services.void": P.SCAN,
    "api.scan": P.SCAN,
    "api.void_delivery": P.SCAN,
    # clarification
    "cases.index": P.CASES_READ,
    "cases.item": P.CASES_READ,
    "cases.bulk": P.CASES_WORK,
    "cases.assign": P.CASES_WORK,
    "api.case_items": P.CASES_READ,
    "api.transition_item": P.CASES_WORK,
    "api.household_clarification": P.CASES_READ,
    # coordination
    "dashboard.index": P.DASHBOARD,
    "api.dashboard_api": P.DASHBOARD,
    "reports.index": P.REPORTS_READ,
    "reports.download": P.REPORTS_READ,
    "reports.generate": P.REPORTS_GENERATE,
    "reports.remark": P.REPORTS_GENERATE,
}


# --- appointments (issue 16) -------------------------------------------------------------
# Each authority books and changes its own appointments (the operations check the
# authority), intake may book the first ones, coordinators read. Calendars are
# kept by the authority's caseworkers or the administrator (no person data).
APPOINTMENT_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({P.APPOINTMENTS_MANAGE}),
    Role.INTAKE: frozenset({P.APPOINTMENTS_READ, P.APPOINTMENTS_BOOK, P.APPOINTMENTS_SCREEN}),
    Role.SERVICE_POINT: frozenset({P.APPOINTMENTS_SCREEN}),
    Role.CASEWORKER: frozenset({P.APPOINTMENTS_READ, P.APPOINTMENTS_BOOK, P.APPOINTMENTS_WORK,
                                P.APPOINTMENTS_MANAGE, P.APPOINTMENTS_SCREEN}),
    Role.COORDINATOR: frozenset({P.APPOINTMENTS_READ, P.APPOINTMENTS_SCREEN}),
}
for _role, _granted in APPOINTMENT_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted
ENDPOINT_PERMISSIONS.update({
    "appointments.index": P.APPOINTMENTS_READ,
    "appointments.required": P.APPOINTMENTS_READ,
    "api.appointments_required": P.APPOINTMENTS_READ,
    "appointments.calendar": P.APPOINTMENTS_READ,
    "appointments.new_calendar": P.APPOINTMENTS_MANAGE,
    "appointments.generate": P.APPOINTMENTS_MANAGE,
    "appointments.block": P.APPOINTMENTS_MANAGE,
    "appointments.day": P.APPOINTMENTS_READ,
    "appointments.arrive": P.APPOINTMENTS_WORK,
    "appointments.bulk_attended": P.APPOINTMENTS_WORK,
    "appointments.desk": P.APPOINTMENTS_WORK,
    "appointments.call_next": P.APPOINTMENTS_WORK,
    "appointments.screen": P.APPOINTMENTS_SCREEN,
    "appointments.book": P.APPOINTMENTS_BOOK,
    "appointments.transition": P.APPOINTMENTS_WORK,
    "appointments.rebook": P.APPOINTMENTS_WORK,
    "appointments.slip": P.APPOINTMENTS_READ,
    "api.appointment_calendars": P.APPOINTMENTS_READ,
    "api.create_appointment_calendar": P.APPOINTMENTS_MANAGE,
    "api.generate_appointment_slots": P.APPOINTMENTS_MANAGE,
    "api.block_appointment_day": P.APPOINTMENTS_MANAGE,
    "api.book_appointment": P.APPOINTMENTS_BOOK,
    "api.household_appointments": P.APPOINTMENTS_READ,
    "api.transition_appointment": P.APPOINTMENTS_WORK,
    "api.rebook_appointment": P.APPOINTMENTS_WORK,
    "api.appointment_day": P.APPOINTMENTS_READ,
    "api.appointment_arrival": P.APPOINTMENTS_WORK,
    "api.appointment_call_next": P.APPOINTMENTS_WORK,
    "api.appointment_screen": P.APPOINTMENTS_SCREEN,
    "api.appointment_slip": P.APPOINTMENTS_READ,
    "api.appointment_figures": P.DASHBOARD,
})


def required_permission(endpoint: str | None) -> Permission | None:
    """The permission an endpoint needs, or None when it is not classified."""
    if endpoint is None:
        return None
    return ENDPOINT_PERMISSIONS.get(endpoint)


def role_has(role: Role | str, permission: Permission) -> bool:
    if permission in (P.PUBLIC, P.AUTHENTICATED):
        return True
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def user_has(user: User | None, permission: Permission) -> bool:
    if permission is P.PUBLIC:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if role_has(user.role, permission):
        return True
    authority = getattr(user, "authority", None)
    return (user.role == Role.CASEWORKER.value and authority is not None
            and permission in AUTHORITY_KIND_PERMISSIONS.get(authority.kind, frozenset()))


def can_open(user: User | None, endpoint: str) -> bool:
    """Whether the user may open an endpoint; used for menus and links."""
    permission = required_permission(endpoint)
    return permission is not None and user_has(user, permission)


def field_groups_for(role: Role | str, authority_kind: AuthorityKind | str | None = None):
    role = Role(role)
    if role is Role.CASEWORKER:
        if authority_kind is None:
            return frozenset()
        return CASEWORKER_FIELD_GROUPS[AuthorityKind(authority_kind)]
    return ROLE_FIELD_GROUPS[role]


def user_field_groups(user: User | None) -> frozenset[FieldGroup]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    kind = user.authority.kind if user.authority is not None else None
    return field_groups_for(user.role, kind)
