"""The presence export (XLSX) for the security service: everyone inside a site,
visitors and staff, and the counts. Text cells that a spreadsheet would run as a
formula get a leading apostrophe (as the situation report's cells do)."""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook

from arrival.core.timezone import format_local
from arrival.gate.operations import EvacuationList

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def presence_workbook(listing: EvacuationList, *, show_identity: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Inside")[:31]
    sheet.append([_("Room"), _("Name"), _("Birth year"), _("Needs help"),
                  _("Child without adult"), _("Inside since")])
    for unit, rows in listing.groups:
        for row in rows:
            sheet.append([neutralise(value) for value in (
                unit or _("No room"), row.name if show_identity else "",
                row.birth_year if show_identity else "", ", ".join(row.assistance),
                _("yes") if row.child_alone else "", format_local(row.since))])
    visits = book.create_sheet(_("Visitors and staff")[:31])
    visits.append([_("Kind"), _("Name"), _("Organisation"), _("Signed in")])
    for visit in listing.visits:
        visits.append([neutralise(value) for value in (
            visit.kind, visit.name if show_identity else "", visit.organisation,
            format_local(visit.signed_in_at))])
    counts = book.create_sheet(_("Counts")[:31])
    counts.append([_("Site"), neutralise(listing.site.name)])
    counts.append([_("As of"), format_local(listing.generated_at)])
    for key, value in listing.counts.items():
        counts.append([key, value])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
