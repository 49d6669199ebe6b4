"""The catalogue lives in data files and loads idempotently."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from arrival.catalog.models import Authority, CatalogEntry
from arrival.catalog.operations import CatalogError, load_catalog
from arrival.extensions import db

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def catalog_copy(app, tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(app.config["CATALOG_DIR"], target)
    return target


def test_the_default_authorities_have_their_stable_codes_and_kinds():
    kinds = dict(db.session.execute(sa.select(Authority.code, Authority.kind)).all())
    assert kinds == {
        "sozialamt": "social", "jugendamt": "social", "gesundheitsamt": "social",
        "auslaenderbehoerde": "security", "buergerbuero": "security", "rp": "regional",
    }


def test_loading_twice_changes_nothing(app):
    report = load_catalog(app.config["CATALOG_DIR"])
    assert not report.changed


@pytest.mark.parametrize("kind, codes", [
    ("service_type", {"meal", "medical_screening", "sim_card", "hygiene_kit", "baby_supplies",
                      "clothing", "transport_ticket", "counselling", "seen"}),
    ("vulnerability_flag", {"unaccompanied_minor", "pregnant", "reduced_mobility", "disability",
                            "needs_care", "chronic_illness", "elderly_alone", "single_parent",
                            "pet"}),
    ("checkout_reason", {"transfer_district", "private_accommodation", "onward_travel",
                         "return_ukraine", "hospital", "absent", "deceased"}),
])
def test_the_catalogue_holds_the_documented_codes(kind, codes):
    loaded = set(db.session.scalars(sa.select(CatalogEntry.code).where(CatalogEntry.kind == kind)))
    assert codes <= loaded


def test_every_topic_belongs_to_a_known_authority():
    authorities = set(db.session.scalars(sa.select(Authority.code)))
    topics = db.session.scalars(
        sa.select(CatalogEntry).where(CatalogEntry.kind == "clarification_topic")).all()
    assert topics and all(t.attributes["authority"] in authorities for t in topics)


def test_titles_exist_in_german_and_english():
    for entry in db.session.scalars(sa.select(CatalogEntry)):
        assert entry.title_de and entry.title_en


def test_a_changed_title_is_updated_and_a_removed_entry_becomes_inactive(catalog_copy):
    path = catalog_copy / "arrival_points.toml"
    text = path.read_text().replace('title_de = "Busbahnhof"', 'title_de = "ZOB"')
    text = text[: text.index('[[entry]]\ncode = "transfer_in"')]
    path.write_text(text)
    report = load_catalog(catalog_copy)
    assert report.updated == ["arrival_point:bus_station"]
    assert report.deactivated == ["arrival_point:transfer_in"]
    entry = db.session.scalar(sa.select(CatalogEntry).where(CatalogEntry.code == "transfer_in"))
    assert entry is not None and entry.active is False


def test_a_topic_naming_an_unknown_authority_is_refused(catalog_copy):
    path = catalog_copy / "clarification_topics.toml"
    path.write_text(path.read_text().replace('authority = "rp"', 'authority = "nowhere"', 1))
    with pytest.raises(CatalogError, match="nowhere"):
        load_catalog(catalog_copy)


def test_a_broken_file_is_reported_by_name(catalog_copy):
    (catalog_copy / "service_types.toml").write_text("[[entry]\ncode = ")
    with pytest.raises(CatalogError, match="service_types.toml"):
        load_catalog(catalog_copy)


def test_the_cli_loads_the_catalogue(cli):
    result = cli.invoke(args=["catalog", "load"])
    assert result.exit_code == 0
    assert "0 created" in result.output


def test_the_api_lists_a_catalogue(client, signed_in):
    signed_in("intake")
    entries = client.get("/api/v1/catalog/vulnerability_flag").json["entries"]
    assert entries[0]["code"] == "unaccompanied_minor" and entries[0]["title_de"]
    assert client.get("/api/v1/catalog/authorities").json["entries"]
    assert client.get("/api/v1/catalog/nonsense").status_code == 404
