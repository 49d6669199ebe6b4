"""The record of processing (Art. 30) is generated from the code's own tables; a
role, field group or export added without a purpose text fails here."""

from __future__ import annotations

import pytest

from arrival.auth.permissions import ENDPOINT_PERMISSIONS, FieldGroup, Role
from arrival.privacy import record

pytestmark = pytest.mark.usefixtures("app_context")


def test_every_role_has_a_purpose():
    assert {role.value for role in Role} - {k for k, v in record.ROLE_PURPOSES.items() if v} \
        == set()


def test_every_field_group_has_a_purpose():
    assert {g.value for g in FieldGroup} - {
        k for k, v in record.FIELD_GROUP_PURPOSES.items() if v} == set()


def test_every_export_has_a_recipient_and_a_purpose():
    assert all(e.recipient and e.purpose and e.contents for e in record.EXPORTS)


def test_every_endpoint_that_hands_data_out_belongs_to_an_export():
    handing_out = {e for e in ENDPOINT_PERMISSIONS
                   if any(word in e.split(".", 1)[-1] for word in record.EXPORT_WORDS)}
    assert handing_out - record.exported_endpoints() == set()


def test_the_exports_name_only_endpoints_that_exist():
    named = {e for e in record.exported_endpoints() if not e.startswith("cli:")}
    assert named - ENDPOINT_PERMISSIONS.keys() == set()


def test_the_document_holds_roles_groups_endpoints_retention_and_recipients(app):
    text = record.markdown()
    assert "| data_protection |" in text and "| health |" in text
    assert "| registry.household | registry.read |" in text
    assert "RETENTION_HOUSEHOLD_DAYS | 180" in text
    assert "Regierungspräsidium (RP)" in text


def test_the_command_writes_markdown_and_pdf(cli, tmp_path):
    result = cli.invoke(args=["privacy", "record", "--out", str(tmp_path / "record.md")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "record.md").read_text(encoding="utf-8").startswith("# Verzeichnis")
    result = cli.invoke(args=["privacy", "record", "--out", str(tmp_path / "record.pdf")])
    assert result.exit_code == 0 and (tmp_path / "record.pdf").read_bytes()[:4] == b"%PDF"


def test_the_page_and_the_api_show_it(client, signed_in):
    signed_in("data_protection")
    assert client.get("/privacy/record").status_code == 200
    assert client.get("/privacy/record?format=pdf").data[:4] == b"%PDF"
    assert client.get("/api/v1/privacy/record").json["roles"]
