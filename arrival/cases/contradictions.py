"""Items of one household that contradict each other: a topic that must be settled
first (an unaccompanied minor's Jugendamt item) is still open, while an item it
should precede (the RP's distribution decision) was already resolved. Shown on
the item and the household page so that someone notices; nothing is refused —
the authorities decide, the system points out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from arrival.cases.models import ClarificationItem, ItemState
from arrival.catalog.models import CatalogEntry
from arrival.core.timezone import local_date


@dataclass(frozen=True)
class Contradiction:
    still_open: ClarificationItem
    settled: ClarificationItem

    def concerns(self, item: ClarificationItem) -> bool:
        return item.id in (self.still_open.id, self.settled.id)

    def message(self, topics: dict[str, CatalogEntry], locale: str, today: date) -> str:
        def title(item):
            entry = topics.get(item.topic)
            return entry.title(locale) if entry else item.topic

        days = (today - local_date(self.still_open.created_at)).days
        person = self.still_open.person
        return _("“%(settled)s” is resolved while “%(open)s”%(person)s has been open for "
                 "%(days)d days: it should be settled first.",
                 settled=title(self.settled), open=title(self.still_open), days=days,
                 person=f" ({person.first_given_name})" if person else "")


def contradictions(items: list[ClarificationItem], topics: dict[str, CatalogEntry]
                   ) -> list[Contradiction]:
    resolved = [i for i in items if i.state == ItemState.RESOLVED.value]
    found = []
    for still_open in (i for i in items if i.active):
        topic = topics.get(still_open.topic)
        precedes = set(topic.attributes.get("settle_before", [])) if topic else set()
        found.extend(Contradiction(still_open, settled) for settled in resolved
                     if settled.topic in precedes)
    return found
