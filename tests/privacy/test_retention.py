"""Retention: cards expire at check-out; `flask privacy sweep` counts every class
first, then anonymises or deletes in batches — idempotent, resumable, audited —
and leaves what a legal hold keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.auth.models import LoginSession, User
from arrival.cards import operations as cards
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import authority_by_code
from arrival.core.clock import now
from arrival.extensions import db
from arrival.privacy import operations
from arrival.registry.models import Document, Household, IdempotencyRecord, MatchKey
from arrival.registry.operations import household_by_ref
from tests.factories import person_payload
from tests.privacy.conftest import utc

pytestmark = pytest.mark.usefixtures("app_context")

ARRIVED = utc(2022, 3, 1, 10)
LEFT = utc(2022, 3, 5, 10)  # 27 days before the suite's now (1 April 2022)


@pytest.fixture
def short_retention(app, monkeypatch):
    """Households 20 days, everything else 10 days."""
    for name in ("RETENTION_IDEMPOTENCY_DAYS", "RETENTION_SESSION_DAYS",
                 "RETENTION_REPORT_DAYS", "RETENTION_CARD_TOKEN_DAYS"):
        monkeypatch.setitem(app.config, name, 10)
    monkeypatch.setitem(app.config, "RETENTION_HOUSEHOLD_DAYS", 20)


def family(name="Bondarenko"):
    return (person_payload(family_name=name, family_name_cyrillic="Бондаренко",
                           given_names="Oksana", given_names_cyrillic="Оксана",
                           patronymic="Петрівна", notes="Asthma, needs inhaler",
                           date_of_birth="1980-06-15"),
            person_payload(family_name=name, given_names="Taras", relation="child", sex="male",
                           date_of_birth="2012-09-30", document={"type": "none"}))


def counts() -> dict[str, int]:
    return {entry.name: entry.due for entry in operations.retention_overview()}


class TestCardsExpireAtCheckOut:
    def test_checking_out_expires_the_card_and_the_scan_says_so(self, stay_and_leave):
        ref = stay_and_leave(*family(), arrived=ARRIVED, left=None)
        person = household_by_ref(ref).persons[0]
        issued = cards.issue_card(person)
        from arrival.housing import operations as housing
        from arrival.housing.models import Stay

        stay = db.session.scalar(sa.select(Stay).where(Stay.person_id == person.id))
        housing.check_out(stay, reason="onward_travel", at=utc(2022, 3, 20, 9))
        assert issued.card.status == "expired"
        assert issued.card.expires_at == utc(2022, 3, 20, 9)
        assert cards.resolve(issued.token)[1] == "card_expired"

    def test_a_move_keeps_the_card(self, stay_and_leave, make_site):
        from arrival.housing import operations as housing
        from arrival.housing.models import Bed

        ref = stay_and_leave(*family(), arrived=ARRIVED, left=None)
        persons = list(household_by_ref(ref).persons)
        issued = cards.issue_card(persons[0])
        other = make_site(2)
        beds = list(db.session.scalars(sa.select(Bed).where(Bed.unit_id == other["units"][0])))
        housing.move(persons, beds)
        assert issued.card.status == "active"


class TestSweep:
    def test_the_dry_run_counts_every_class_and_changes_nothing(self, stay_and_leave,
                                                               short_retention):
        stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        stay_and_leave(*family("Kovalenko"), arrived=ARRIVED, left=utc(2022, 3, 25, 9))
        result = operations.sweep(dry_run=True)
        due = {entry.name: entry.due for entry in result.classes}
        assert due["households"] == 1  # left 27 days ago; the other one 7 days ago
        assert set(due) >= {"households", "idempotency_keys", "sessions", "report_files",
                            "card_tokens", "audit_events"}
        assert db.session.scalar(sa.select(sa.func.count(Household.id)).where(
            Household.anonymised_at.is_not(None))) == 0

    def test_a_departed_household_is_anonymised_and_keeps_what_is_counted(
            self, stay_and_leave, short_retention):
        ref = stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        household = household_by_ref(ref)
        household_id = household.id
        before = [(p.sex, p.nationality, p.birth_year, p.flags, p.relation)
                  for p in household.persons]
        old_public_ids = {p.public_id for p in household.persons}
        card = cards.issue_card(household.persons[0]).card
        db.session.commit()

        operations.sweep(only="households")

        household = db.session.get(Household, household_id)
        people = household.persons
        assert household.anonymised_at is not None and household.phone is None
        assert household.ref != ref and household_by_ref(ref) is None
        assert [(p.sex, p.nationality, p.birth_year, p.flags, p.relation)
                for p in people] == before
        for person in people:
            assert person.family_name == "—" and person.given_names == "—"
            assert person.family_name_cyrillic is None and person.patronymic is None
            assert person.notes is None and person.public_id not in old_public_ids
            assert person.date_of_birth.year == person.birth_year
        assert {p.date_of_birth.isoformat() for p in people} == {"1980-01-01", "2012-01-01"}
        ids = [p.id for p in people]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
            Document.person_id.in_(ids))) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchKey).where(
            MatchKey.person_id.in_(ids))) == 0
        db.session.refresh(card)
        assert card.token_hash.startswith("-") and not card.number.startswith("K-")
        from arrival.housing.models import Stay

        assert db.session.scalars(sa.select(Stay.destination).where(
            Stay.household_id == household_id)).all() == [None, None]
        # its open items are moot: closed now (past days replay the state they had)
        assert set(db.session.scalars(sa.select(ClarificationItem.state).where(
            ClarificationItem.household_id == household_id))) <= {"not_applicable", "resolved"}

    def test_a_second_run_finds_nothing_and_changes_nothing(self, stay_and_leave,
                                                           short_retention):
        stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        first = operations.sweep(only="households")
        assert first.classes[0].done == 1
        again = operations.sweep(only="households")
        assert (again.classes[0].due, again.classes[0].done) == (0, 0)

    def test_a_run_killed_after_one_batch_is_finished_by_the_next(self, stay_and_leave,
                                                                  short_retention):
        for name in ("Bondarenko", "Kovalenko", "Tkachenko"):
            stay_and_leave(*family(name), arrived=ARRIVED, left=LEFT)
        crashed = operations.sweep(only="households", batch_size=1, max_batches=1)
        assert crashed.classes[0].done == 1
        assert counts()["households"] == 2
        resumed = operations.sweep(only="households", batch_size=1)
        assert (resumed.classes[0].due, resumed.classes[0].done) == (2, 2)
        assert counts()["households"] == 0

    def test_every_batch_is_audited(self, stay_and_leave, short_retention):
        for name in ("Bondarenko", "Kovalenko"):
            stay_and_leave(*family(name), arrived=ARRIVED, left=LEFT)
        operations.sweep(only="households", batch_size=1)
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "retention")).all()
        assert [(e.entity_id, e.username, e.detail.split(":")[0]) for e in events] == [
            ("households", "privacy-sweep", "1 anonymised")] * 2

    def test_an_open_procedure_of_the_auslaenderbehoerde_holds_the_household(
            self, stay_and_leave, short_retention):
        ref = stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        household = household_by_ref(ref)
        _open_abh_item(household)
        assert counts()["households"] == 0
        operations.sweep(only="households")
        assert household_by_ref(ref).anonymised_at is None

    def test_a_restricted_household_is_kept(self, stay_and_leave, short_retention):
        ref = stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        operations.restrict(household_by_ref(ref).head, reason="Art. 18 letter of 2 March",
                            household=True)
        assert counts()["households"] == 0

    def test_keys_sessions_and_card_tokens_go_after_their_days(
            self, stay_and_leave, short_retention, make_user):
        ref = stay_and_leave(*family(), arrived=ARRIVED, left=utc(2022, 3, 25, 10))
        person = household_by_ref(ref).persons[0]
        old_card = cards.issue_card(person).card
        cards.revoke(old_card, "lost")
        old_card.revoked_at = now() - timedelta(days=11)
        fresh_card = cards.issue_card(person).card
        cards.revoke(fresh_card, "damaged")
        user = db.session.scalar(sa.select(User).where(User.username == make_user("intake")))
        db.session.add_all([
            IdempotencyRecord(key="old", scope="household", request_hash="x" * 64,
                              created_at=now() - timedelta(days=11)),
            IdempotencyRecord(key="new", scope="household", request_hash="y" * 64),
            LoginSession(user_id=user.id, token_hash="a" * 64,
                         created_at=now() - timedelta(days=30),
                         ended_at=now() - timedelta(days=11), end_reason="logout"),
            LoginSession(user_id=user.id, token_hash="b" * 64,
                         created_at=now() - timedelta(days=2))])
        db.session.commit()
        before = counts()
        assert (before["idempotency_keys"], before["sessions"], before["card_tokens"]) == (1, 1, 1)
        operations.sweep()
        assert db.session.scalars(sa.select(IdempotencyRecord.key)).all() == ["new"]
        assert db.session.scalars(sa.select(LoginSession.token_hash)).all() == ["b" * 64]
        db.session.refresh(old_card)
        db.session.refresh(fresh_card)
        assert old_card.token_hash.startswith("-")
        assert not fresh_card.token_hash.startswith("-")

    def test_report_folders_older_than_their_days_are_removed(self, app, tmp_path,
                                                             monkeypatch, short_retention):
        monkeypatch.setitem(app.config, "SITREP_DIR", tmp_path)
        for day in ("2022-03-01", "2022-03-25", "2022-03-30"):
            (tmp_path / day).mkdir()
            (tmp_path / day / f"lagebericht_{day}.json").write_text("{}")
        (tmp_path / "notes").mkdir()
        assert counts()["report_files"] == 1
        operations.sweep(only="report_files")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["2022-03-25", "2022-03-30",
                                                              "notes"]

    def test_audit_events_are_counted_never_deleted(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "RETENTION_AUDIT_DAYS", 1)
        db.session.add(AuditEvent(action="view", occurred_at=now() - timedelta(days=3)))
        db.session.commit()
        result = operations.sweep(only="audit_events")
        assert result.classes[0].due >= 1 and result.classes[0].done == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.occurred_at < now() - timedelta(days=1))) >= 1


def _open_abh_item(household):
    authority = authority_by_code("auslaenderbehoerde")
    item = ClarificationItem(household_id=household.id, person_id=household.persons[0].id,
                             topic="residence_permit", authority_id=authority.id,
                             due_on=now().date(), state="in_progress")
    db.session.add(item)
    db.session.commit()
    return item


class TestTheCommand:
    def test_the_dry_run_prints_the_counts(self, cli, stay_and_leave, short_retention):
        stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        result = cli.invoke(args=["privacy", "sweep", "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "households: 1 due" in result.output and "nothing changed" in result.output

    def test_the_sweep_reports_what_it_did(self, cli, stay_and_leave, short_retention):
        stay_and_leave(*family(), arrived=ARRIVED, left=LEFT)
        result = cli.invoke(args=["privacy", "sweep"])
        assert result.exit_code == 0, result.output
        assert "households: 1 anonymised in 1 batches" in result.output
        assert "audit_events:" in result.output and "append-only" in result.output
