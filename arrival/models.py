"""Every domain's models, imported in one place so that the metadata (and
Alembic's autogenerate) sees all tables."""

from arrival.appointments.models import (
    Appointment,
    AppointmentPerson,
    AppointmentTransition,
    BlockedDay,
    Slot,
    SlotCalendar,
)
from arrival.audit.models import AuditEvent, AuditSeal
from arrival.auth.models import LoginSession, User
from arrival.cards.models import Card
from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.catalog.models import Authority, CatalogEntry
from arrival.gate.models import (
    GateEvent, GatePresence, GateReplay, GateSite, RollCall, RollCallExpected, RollCallTick,
    Visit,
)
from arrival.housing.models import Bed, BedBlock, Site, Stay, StayEvent, Unit
from arrival.prereg.models import PreRegistration, PreRegistrationDay
from arrival.privacy.models import PrivacyRequest
from arrival.reports.models import ReportRemark, ReportRun
from arrival.services.models import Delivery, OfflineDelivery, Scan
from arrival.statistics.models import FigureClock, FigureDay
from arrival.transfers.models import (
    BatchHousehold, BatchTransition, Boarding, BoardingKey, DecisionPerson,
    DistributionDecision, HandoverPackage, TransferBatch, TransferDestination,
)
from arrival.registry.models import (
    Document,
    DuplicateDecision,
    Household,
    IdempotencyRecord,
    MatchKey,
    Person,
    PersonFlag,
)

__all__ = [
    "FigureClock",
    "FigureDay",
    "Appointment", "AppointmentPerson", "AppointmentTransition", "BlockedDay", "Slot",
    "SlotCalendar",
    "AuditEvent", "Authority", "Bed", "Card", "ClarificationItem", "ItemTransition", "Delivery", "Scan", "BedBlock", "CatalogEntry", "Site", "Stay", "StayEvent",
    "Unit", "Document", "DuplicateDecision", "Household",
    "IdempotencyRecord", "LoginSession", "ReportRemark", "ReportRun", "MatchKey", "Person", "PersonFlag", "User",
    "GateEvent", "GatePresence", "GateSite", "RollCall", "RollCallExpected", "RollCallTick",
    "Visit", "PrivacyRequest", "GateReplay", "OfflineDelivery",
    "PreRegistration", "PreRegistrationDay",
    "BatchHousehold", "BatchTransition", "Boarding", "BoardingKey", "DecisionPerson",
    "DistributionDecision", "HandoverPackage", "TransferBatch", "TransferDestination",
]
