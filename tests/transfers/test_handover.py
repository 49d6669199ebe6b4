"""The hand-over package: PDF, XLSX and CSV with a manifest in an AES-encrypted ZIP
whose password is shown once; only the receiving authority's field group; audited;
formula cells neutralised. And the CLI of batches and the package."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
import pyzipper
import sqlalchemy as sa
from openpyxl import load_workbook

from arrival.audit.models import AuditEvent
from arrival.auth.permissions import FieldGroup, Role, field_groups_for
from arrival.extensions import db
from arrival.registry.models import Person
from arrival.registry.operations import household_by_ref
from arrival.transfers.models import HandoverPackage
from tests.factories import PASSWORD
from tests.transfers.conftest import BOEBLINGEN, decide_all, new_batch


def listed_batch(app, centre, families=("Kovalenko", "Hrytsenko")):
    decide_all(app, centre, list(families))
    batch_id = new_batch(app)
    with app.app_context():
        from arrival.transfers import operations as transfers
        from arrival.transfers.models import TransferBatch

        for family in families:
            transfers.add_household(db.session.get(TransferBatch, batch_id),
                                    household_by_ref(centre.refs[family]))
        db.session.commit()
    return batch_id


def open_package(rp, batch_id):
    made = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/handover", {})
    assert made.status_code == 201, made.json
    archive = rp.get(made.json["download"])
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    return made.json, archive.data


def test_the_package_is_an_aes_zip_that_opens_only_with_the_password_shown_once(
        app, centre, rp):
    batch_id = listed_batch(app, centre)
    made, data = open_package(rp, batch_id)
    assert made["persons"] == 5
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        info = archive.infolist()[0]
        assert info.flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError):
            archive.read(names[0])  # no password
        archive.setpassword(b"wrong-password")
        with pytest.raises(RuntimeError):
            archive.read(names[0])
        archive.setpassword(made["password"].encode())
        files = {name: archive.read(name) for name in names}
    stem = f"uebergabe_{BOEBLINGEN}_{batch_id}"
    assert names == sorted([f"{stem}.pdf", f"{stem}.xlsx", f"{stem}.csv", "manifest.json"])
    manifest = json.loads(files["manifest.json"])
    assert manifest["persons"] == 5 and manifest["households"] == 2
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
        assert len(files[entry["name"]]) == entry["bytes"]
    assert files[f"{stem}.pdf"].startswith(b"%PDF")
    # the password is not stored anywhere
    with app.app_context():
        package = db.session.get(HandoverPackage, made["id"])
        assert made["password"].encode() not in package.archive
        assert made["password"] not in json.dumps(
            [e.detail for e in db.session.scalars(sa.select(AuditEvent))])


def test_the_package_holds_only_the_receiving_authoritys_fields(app, centre, rp):
    batch_id = listed_batch(app, centre)
    made, data = open_package(rp, batch_id)
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(made["password"].encode())
        stem = f"uebergabe_{BOEBLINGEN}_{batch_id}"
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{stem}.csv").decode("utf-8-sig")),
                                   delimiter=";"))
        book = load_workbook(io.BytesIO(archive.read(f"{stem}.xlsx")))
    assert list(rows[0]) == ["Haushalt", "Beziehung", "Familienname", "Vornamen",
                             "Familienname (kyrillisch)", "Vornamen (kyrillisch)", "Vatersname",
                             "Geburtsdatum", "Geschlecht", "Staatsang.", "Unterbringungsbedarf",
                             "Offene Punkte (Behörde: Thema)"]
    natalia = next(r for r in rows if r["Vornamen"] == "Natalia")
    assert natalia["Familienname (kyrillisch)"] == "Коваленко"
    assert natalia["Geburtsdatum"] == "02.02.1985"
    assert natalia["Haushalt"] == centre.refs["Kovalenko"]
    andrii = next(r for r in rows if r["Vornamen"] == "Andrii")
    assert andrii["Unterbringungsbedarf"] == "Pflegeplatz"  # a mark, not the health flag
    text = archive_text = json.dumps(rows, ensure_ascii=False)
    assert "+380" not in archive_text  # no phone (contact group)
    assert "needs_care" not in text
    assert book["Personen"].max_row == 6


def test_cells_that_a_spreadsheet_would_run_are_neutralised(app, centre, rp):
    with app.app_context():
        natalia = db.session.get(Person, centre.ids["Natalia"])
        natalia.given_names = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    batch_id = listed_batch(app, centre, families=("Kovalenko",))
    made, data = open_package(rp, batch_id)
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(made["password"].encode())
        stem = f"uebergabe_{BOEBLINGEN}_{batch_id}"
        text = archive.read(f"{stem}.csv").decode("utf-8-sig")
        sheet = load_workbook(io.BytesIO(archive.read(f"{stem}.xlsx")))["Personen"]
    assert "'=HYPERLINK" in text
    assert any(cell.value == "'=HYPERLINK(\"http://x\")" for row in sheet.iter_rows()
               for cell in row)


def test_generating_and_downloading_are_audited_with_every_person(app, centre, rp):
    batch_id = listed_batch(app, centre, families=("Savchuk",))
    made, _ = open_package(rp, batch_id)
    with app.app_context():
        exports = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "transfer_handover")).all()
        oksana = db.session.get(Person, centre.ids["Oksana"]).public_id
    assert [e.action for e in exports] == ["export", "export"]  # generated, downloaded
    assert all(e.person_ids == [oksana] for e in exports)


@pytest.mark.parametrize("role, authority", [("coordinator", None), ("housing", None),
                                             ("caseworker", "jugendamt")])
def test_only_the_rp_with_the_handover_field_group_gets_the_package(
        app, centre, client, make_user, role, authority, rp):
    batch_id = listed_batch(app, centre, families=("Savchuk",))
    made = rp.post_json(f"/api/v1/transfers/batches/{batch_id}/handover", {}).json
    rp.post("/logout", data={"csrf_token": rp.csrf_token()})
    other = app.test_client()
    assert other.login(make_user(role, authority=authority), PASSWORD).status_code == 302
    assert other.post_json(f"/api/v1/transfers/batches/{batch_id}/handover",
                           {}).status_code == 403
    assert other.get(made["download"]).status_code == 403


def test_the_handover_field_group_is_the_rps_alone():
    holders = {(role, kind) for role in Role
               for kind in ([None] if role is not Role.CASEWORKER else
                            ["social", "security", "regional"])
               if FieldGroup.HANDOVER in field_groups_for(role, kind)}
    # The data-protection role reads every group of a record to answer an Art. 15
    # request; it has no permission to make or send a package.
    assert holders == {(Role.CASEWORKER, "regional"), (Role.DATA_PROTECTION, None)}


def test_the_cli_makes_a_bus_list_adds_departs_and_writes_the_package(
        app, centre, cli, tmp_path):
    decide_all(app, centre, ["Savchuk"])
    made = cli.invoke(args=["transfers", "create", "--destination", BOEBLINGEN, "--departs",
                            "2022-04-01T18:00", "--seats", "20"])
    assert made.exit_code == 0, made.output
    batch_id = int(made.output.split()[2].rstrip(":"))
    added = cli.invoke(args=["transfers", "add", "--batch", str(batch_id),
                             centre.refs["Savchuk"]])
    assert added.exit_code == 0 and "1/20" in added.output
    listed = cli.invoke(args=["transfers", "batches", "--state", "planned"])
    assert f"{batch_id}\tplanned" in listed.output
    nobody = cli.invoke(args=["transfers", "depart", "--batch", str(batch_id)])
    assert nobody.exit_code == 1 and "Noch niemand ist eingestiegen" in nobody.output
    out = tmp_path / "package.zip"
    written = cli.invoke(args=["transfers", "handover", "--batch", str(batch_id),
                               "--out", str(out)])
    assert written.exit_code == 0, written.output
    password = written.output.strip().splitlines()[-1].rsplit(" ", 1)[1]
    with pyzipper.AESZipFile(out) as archive:
        archive.setpassword(password.encode())
        assert json.loads(archive.read("manifest.json"))["persons"] == 1
    past = cli.invoke(args=["transfers", "create", "--destination", BOEBLINGEN, "--departs",
                            "2022-03-01T18:00", "--seats", "20"])
    assert past.exit_code == 1 and "departs_at" in past.output


def test_the_cli_loads_the_destinations(app, cli):
    first = cli.invoke(args=["transfers", "load"])
    assert first.exit_code == 0 and "59 created" in first.output
    again = cli.invoke(args=["transfers", "load"])
    assert "0 created, 0 updated, 0 deactivated" in again.output
