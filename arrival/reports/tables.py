"""The report's sections as pandas tables with German headings.

Small counts can be suppressed (1 and 2 shown as "<3") where the report goes to a
recipient who must not be able to single out persons; 0 stays 0.
"""

from __future__ import annotations

import pandas as pd

from arrival.catalog.operations import entries

SECTION_TITLES = {
    "ankuenfte": "Ankünfte",
    "unterkuenfte": "Unterkünfte",
    "abgaenge": "Abgänge",
    "demografie": "Demografie",
    "schutzbeduerftige": "Schutzbedürftige",
    "klaerung": "Klärung",
    "pik": "PIK-Registrierung",
    "termine": "Termine",
    "leistungen": "Leistungen",
    "datenqualitaet": "Datenqualität",
    "verlegungen": "Verlegungen",
}
VULNERABLE_TITLES = {
    "unaccompanied_minor": "Unbegleitete Minderjährige", "disability": "Behinderung",
    "reduced_mobility": "Eingeschränkte Mobilität", "pregnant": "Schwangere",
    "needs_care": "Pflegebedürftige",
}
DESTINATION_TITLES = {
    "transfer": "Verlegung in anderen Kreis", "private": "Private Unterkunft",
    "onward": "Weiterreise", "return": "Rückkehr", "unknown": "Unbekannt/abwesend",
    "other": "Sonstiges",
}


SITE_KIND_TITLES = {
    "emergency_hall": "Notunterkunft (Halle)", "hotel": "Hotel", "hostel": "Hostel",
    "community_shelter": "Gemeinschaftsunterkunft", "private_host": "Privatunterkunft",
    "reserve": "Reserve",
}
AGE_BAND_TITLES = {
    "0-5": "0–5 Jahre", "6-17": "6–17 Jahre", "18-64": "18–64 Jahre", "65+": "65 Jahre und älter",
    "unknown": "unbekannt (unmögliches Alter)",
}


def _authority_titles() -> dict[str, str]:
    import sqlalchemy as sa

    from arrival.catalog.models import Authority
    from arrival.extensions import db

    return dict(db.session.execute(sa.select(Authority.code, Authority.name_de)).all())


class Suppressor:
    def __init__(self, below: int):
        self.below = below

    def __call__(self, value):
        if self.below and isinstance(value, int) and 0 < value < self.below:
            return f"<{self.below}"
        return value


def _titles(kind: str) -> dict[str, str]:
    return {e.code: e.title_de for e in entries(kind, include_inactive=True)}


def build(figures: dict, suppress_below: int = 0) -> dict[str, pd.DataFrame]:
    s = Suppressor(suppress_below)
    tables = {
        "ankuenfte": _arrivals(figures, s),
        "unterkuenfte": _sites(figures, s),
        "abgaenge": _departures(figures, s),
        "demografie": _demographics(figures, s),
        "schutzbeduerftige": pd.DataFrame(
            [{"Gruppe": VULNERABLE_TITLES.get(code, code), "Personen": s(count)}
             for code, count in figures["vulnerable"].items()]),
        "klaerung": _clarification(figures, s),
        "pik": pd.DataFrame([{"Status": "ausstehend", "Personen": s(figures["fingerprints"]["pending"])},
                             {"Status": "erledigt", "Personen": s(figures["fingerprints"]["done"])}]),
        "termine": _appointments(figures, s),
        "leistungen": _services(figures, s),
        "datenqualitaet": _quality(figures, s),
        "verlegungen": _transfers(figures, s),
    }
    return tables


def _appointments(figures, s) -> pd.DataFrame:
    authorities = _authority_titles()
    columns = ["Behörde", "Termine", "Wahrgenommen", "Nicht erschienen", "Abgesagt",
               "Nichterscheinen %", "Wartezeit (Min.)"]
    rows = [{"Behörde": authorities.get(r["authority"], r["authority"]), "Termine": s(r["total"]),
             "Wahrgenommen": s(r["attended"]), "Nicht erschienen": s(r["missed"]),
             "Abgesagt": s(r["cancelled"]),
             "Nichterscheinen %": "" if r["no_show_rate"] is None
             else round(100 * r["no_show_rate"], 1),
             "Wartezeit (Min.)": "" if r["waiting_minutes"] is None else r["waiting_minutes"]}
            for r in figures.get("appointments", [])]
    return pd.DataFrame(rows, columns=columns)


def _arrivals(figures, s) -> pd.DataFrame:
    points = _titles("arrival_point")
    rows = [{"Kennzahl": "Ankünfte des Tages (Personen)", "Wert": s(figures["arrivals"]["persons"])},
            {"Kennzahl": "Ankünfte des Tages (Haushalte)",
             "Wert": s(figures["arrivals"]["households"])},
            {"Kennzahl": "Ankünfte kumuliert (Personen)",
             "Wert": figures["cumulative_arrivals"]["persons"]},
            {"Kennzahl": "Ankünfte kumuliert (Haushalte)",
             "Wert": figures["cumulative_arrivals"]["households"]}]
    for code, count in sorted(figures["arrivals"]["by_arrival_point"].items()):
        rows.append({"Kennzahl": f"Ankunftsort: {points.get(code, 'unbekannt')}", "Wert": s(count)})
    return pd.DataFrame(rows)


def _sites(figures, s) -> pd.DataFrame:
    rows = [{"Unterkunft": r["name"], "Art": SITE_KIND_TITLES.get(r["kind"], r["kind"]),
             "Kapazität": r["capacity"],
             "Belegt": s(r["occupied"]), "Geplant": s(r["planned"]), "Frei": r["free"],
             "Belegung %": r["percent"]} for r in sorted(figures["sites"], key=lambda r: r["name"])]
    totals = figures["totals"]
    rows.append({"Unterkunft": "Summe (ohne Reserve)", "Art": "", "Kapazität": totals["capacity"],
                 "Belegt": totals["occupied"], "Geplant": totals["planned"],
                 "Frei": totals["free"], "Belegung %": ""})
    rows.append({"Unterkunft": "Reserve", "Art": SITE_KIND_TITLES["reserve"],
                 "Kapazität": totals["reserve"],
                 "Belegt": "", "Geplant": "", "Frei": "", "Belegung %": ""})
    rows.append({"Unterkunft": "Anwesend am Tagesende", "Art": "", "Kapazität": "",
                 "Belegt": figures["present"], "Geplant": "", "Frei": "", "Belegung %": ""})
    return pd.DataFrame(rows)


def _departures(figures, s) -> pd.DataFrame:
    reasons = {e.code: e for e in entries("checkout_reason", include_inactive=True)}
    rows = []
    for code, count in sorted(figures["departures"]["by_reason"].items()):
        entry = reasons.get(code)
        destination = entry.attributes.get("destination_type", "other") if entry else "other"
        rows.append({"Grund": entry.title_de if entry else code,
                     "Zielart": DESTINATION_TITLES.get(destination, destination),
                     "Personen": s(count)})
    rows.append({"Grund": "Summe", "Zielart": "", "Personen": figures["departures"]["total"]})
    return pd.DataFrame(rows)


def _transfers(figures, s) -> pd.DataFrame:
    """Decisions of the day, persons and households per destination, buses."""
    t = figures["transfers"]
    rows = [{"Kennzahl": "Verteilentscheidungen: Verlegung", "Ziel": "",
             "Personen": "", "Haushalte": s(t["decisions"]["transfer"])},
            {"Kennzahl": "Verteilentscheidungen: Verbleib", "Ziel": "",
             "Personen": "", "Haushalte": s(t["decisions"]["stay"])},
            {"Kennzahl": "Busse geplant", "Ziel": "", "Personen": "",
             "Haushalte": t["buses"]["planned"]},
            {"Kennzahl": "Busse abgefahren", "Ziel": "", "Personen": "",
             "Haushalte": t["buses"]["departed"]}]
    for row in t["by_destination"]:
        rows.append({"Kennzahl": "Verlegt nach", "Ziel": f"{row['name']} ({row['key']})",
                     "Personen": s(row["persons"]), "Haushalte": s(row["households"])})
    rows.append({"Kennzahl": "Verlegt (Summe)", "Ziel": "", "Personen": t["persons"],
                 "Haushalte": t["households"]})
    return pd.DataFrame(rows)


def _demographics(figures, s) -> pd.DataFrame:
    demo = figures["demographics"]
    rows = [{"Merkmal": "Altersgruppe", "Ausprägung": AGE_BAND_TITLES.get(band, band),
             "Personen": s(count)}
            for band, count in demo["age_bands"].items()]
    sexes = {"female": "weiblich", "male": "männlich", "diverse": "divers", "unknown": "unbekannt"}
    rows += [{"Merkmal": "Geschlecht", "Ausprägung": sexes[key], "Personen": s(count)}
             for key, count in demo["sex"].items()]
    rows += [{"Merkmal": "Staatsangehörigkeit", "Ausprägung": "ukrainisch",
              "Personen": s(demo["nationality"]["ukrainian"])},
             {"Merkmal": "Staatsangehörigkeit", "Ausprägung": "Drittstaaten",
              "Personen": s(demo["nationality"]["third_country"])},
             {"Merkmal": "Summe", "Ausprägung": "", "Personen": demo["total"]}]
    return pd.DataFrame(rows)


def _clarification(figures, s) -> pd.DataFrame:
    topics = _titles("clarification_topic")
    names = _authority_titles()
    clar = figures["clarification"]
    rows = []
    for authority, entry in sorted(clar["by_authority"].items()):
        for topic, count in sorted(entry["by_topic"].items()):
            rows.append({"Behörde": names.get(authority, authority),
                         "Thema": topics.get(topic, topic), "Offen": s(count), "": ""})
        rows.append({"Behörde": names.get(authority, authority), "Thema": "Summe",
                     "Offen": entry["open"],
                     "": f"überfällig {entry['overdue']}; 0–2 Tage {entry['aging']['0-2']}, "
                         f"3–7 Tage {entry['aging']['3-7']}, >7 Tage {entry['aging']['8+']}"})
    authorities = sorted(set(clar["opened_today"]) | set(clar["resolved_today"]))
    for authority in authorities:
        # Words relative to the report's day, never to the day it is read.
        rows.append({"Behörde": names.get(authority, authority),
                     "Thema": "Am Berichtstag eröffnet / erledigt",
                     "Offen": "", "": f"{clar['opened_today'].get(authority, 0)} / "
                                      f"{clar['resolved_today'].get(authority, 0)}"})
    rows.append({"Behörde": "", "Thema": "Haushalte vollständig geklärt",
                 "Offen": clar["households_clarified"], "": ""})
    frame = pd.DataFrame(rows, columns=["Behörde", "Thema", "Offen", ""])
    return frame.rename(columns={"": "Alter / Hinweis"})


def _services(figures, s) -> pd.DataFrame:
    titles = _titles("service_type")
    rows = [{"Leistung": titles.get(code, code), "Ausgaben": s(count)}
            for code, count in sorted(figures["services"]["delivered"].items())]
    return pd.DataFrame(rows, columns=["Leistung", "Ausgaben"])


def _quality(figures, s) -> pd.DataFrame:
    labels = {"without_full_date_of_birth": "Personen ohne vollständiges Geburtsdatum",
              "impossible_age": "Personen mit unmöglichem Alter (Geburt nach dem Tag "
                                "oder über 120 Jahre)",
              "open_duplicate_decisions": "Ungeklärte mögliche Dubletten",
              "absent_3_days": "Bewohner:innen seit 3+ Tagen nicht gesehen",
              "beds_blocked": "Gesperrte Betten"}
    return pd.DataFrame([{"Kennzahl": labels[key], "Wert": value}
                         for key, value in figures["data_quality"].items()])
