"""How the gate joins the application: pages, API, labels, the presence section
of the household page, and gate events as sightings for 'last seen'."""

from flask import Flask

from arrival.auth.permissions import FieldGroup
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.gate import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.core.events import subscribe
from arrival.gate.operations import end_presence_at_check_out, gate_sightings
from arrival.housing.events import StayEnded
from arrival.gate.views import bp
from arrival.housing.absence import add_seen_source


# Check-out reasons that mean the person has physically left: boarded on a bus that
# departed. An ordinary check-out leaves presence to the gate: a family checked out
# at the desk may still be packing in the hall, and the evacuation list must rather
# hold one person too many than one too few.
LEFT_WITH_THE_CHECK_OUT = {"transferred"}


def leave_at_check_out(events: list[StayEnded]) -> None:
    end_presence_at_check_out([e.stay for e in events
                               if e.checked_out and e.reason in LEFT_WITH_THE_CHECK_OUT])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    add_seen_source(app, gate_sightings)
    subscribe(app, StayEnded, leave_at_check_out, together=True)
    add_household_section(app, HouseholdSection(
        order=15, field_group=FieldGroup.ACCOMMODATION, template="gate/_household_section.html",
        context=templating.presence_section))
