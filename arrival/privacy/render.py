"""PDFs of the access report (German, each heading also in Ukrainian or Russian —
the household's contact language, Ukrainian otherwise) and of the record of
processing (German). DejaVu fonts with Cyrillic, embedded (arrival.cards.render)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from arrival.cards.render import register_fonts

# Headings: German, then the second language.
HEADINGS = {
    "title": ("Auskunft nach Art. 15 DSGVO", "Інформація згідно зі ст. 15 GDPR",
              "Информация согласно ст. 15 GDPR"),
    "intro": ("Diese Auskunft enthält alle Daten, die das Ankunftszentrum über Sie "
              "gespeichert hat, und wer sie wann gelesen oder geändert hat.",
              "Ця довідка містить усі дані, які центр прибуття зберігає про вас, і хто та "
              "коли їх переглядав або змінював.",
              "Эта справка содержит все данные, которые центр прибытия хранит о вас, и кто и "
              "когда их просматривал или изменял."),
    "household": ("Haushalt", "Домогосподарство", "Домохозяйство"),
    "person": ("Person", "Особа", "Лицо"),
    "documents": ("Dokumente", "Документи", "Документы"),
    "flags": ("Besondere Bedürfnisse", "Особливі потреби", "Особые потребности"),
    "stays": ("Unterbringung", "Проживання", "Проживание"),
    "cards": ("Ankunftskarten", "Картки прибуття", "Карты прибытия"),
    "services_received": ("Erhaltene Leistungen", "Отримані послуги", "Полученные услуги"),
    "scans": ("Kartenscans", "Сканування картки", "Сканирование карты"),
    "gate_events": ("Ein- und Ausgänge", "Входи та виходи", "Входы и выходы"),
    "clarification_items": ("Klärungsfälle", "Питання для з'ясування", "Вопросы для выяснения"),
    "household_clarification_items": ("Klärungsfälle des Haushalts",
                                      "Питання домогосподарства", "Вопросы домохозяйства"),
    "appointments": ("Termine", "Записи на прийом", "Записи на приём"),
    "duplicate_decisions": ("Dublettenentscheidungen", "Рішення щодо дублікатів",
                            "Решения о дубликатах"),
    "privacy_requests": ("Anträge zum Datenschutz", "Запити щодо захисту даних",
                         "Запросы о защите данных"),
    "audit": ("Wer hat wann gelesen oder geändert", "Хто і коли переглядав або змінював",
              "Кто и когда просматривал или изменял"),
    "none": ("keine", "немає", "нет"),
    "history": ("Verlauf", "Історія", "История"),
    "withheld": ("Nicht aufgeführt", "Не наведено", "Не приведено"),
}
# The fields a person recognises, labelled in German and the second language; the
# others keep their column name (every column is in the report).
FIELDS = {
    "family_name": ("Familienname", "Прізвище", "Фамилия"),
    "given_names": ("Vornamen", "Ім'я", "Имя"),
    "family_name_cyrillic": ("Familienname (kyrillisch)", "Прізвище (кирилицею)",
                             "Фамилия (кириллицей)"),
    "given_names_cyrillic": ("Vornamen (kyrillisch)", "Ім'я (кирилицею)", "Имя (кириллицей)"),
    "patronymic": ("Vatersname", "По батькові", "Отчество"),
    "date_of_birth": ("Geburtsdatum", "Дата народження", "Дата рождения"),
    "birth_year": ("Geburtsjahr", "Рік народження", "Год рождения"),
    "sex": ("Geschlecht", "Стать", "Пол"),
    "nationality": ("Staatsangehörigkeit", "Громадянство", "Гражданство"),
    "relation": ("Beziehung", "Родинний зв'язок", "Родство"),
    "languages": ("Sprachen", "Мови", "Языки"),
    "notes": ("Notizen", "Примітки", "Примечания"),
    "phone": ("Telefon", "Телефон", "Телефон"),
    "contact_language": ("Kontaktsprache", "Мова спілкування", "Язык общения"),
    "ref": ("Haushaltsnummer", "Номер домогосподарства", "Номер домохозяйства"),
    "arrived_at": ("Ankunft", "Прибуття", "Прибытие"),
    "arrival_point": ("Ankunftsort", "Місце прибуття", "Место прибытия"),
    "type": ("Art", "Тип", "Тип"),
    "number": ("Nummer", "Номер", "Номер"),
    "issuing_country": ("Ausstellungsstaat", "Країна видачі", "Страна выдачи"),
    "expiry": ("Gültig bis", "Дійсний до", "Действителен до"),
    "site": ("Unterkunft", "Місце проживання", "Место проживания"),
    "unit": ("Raum", "Кімната", "Комната"),
    "bed": ("Bett", "Ліжко", "Кровать"),
    "state": ("Stand", "Стан", "Состояние"),
    "checked_in_at": ("Eingezogen", "Заселення", "Заселение"),
    "ended_at": ("Ausgezogen", "Виселення", "Выселение"),
    "end_reason": ("Grund des Auszugs", "Причина виселення", "Причина выселения"),
    "destination": ("Ziel", "Куди", "Куда"),
    "service_type": ("Leistung", "Послуга", "Услуга"),
    "delivered_at": ("Erhalten am", "Отримано", "Получено"),
    "topic_label": ("Thema", "Тема", "Тема"),
    "authority": ("Behörde", "Установа", "Учреждение"),
    "starts_at": ("Beginn", "Початок", "Начало"),
    "status": ("Status", "Статус", "Статус"),
    "reason": ("Grund", "Причина", "Причина"),
}
SECOND = {"uk": 1, "ru": 2}
PERSON_SECTIONS = ("documents", "flags", "stays", "cards", "services_received", "scans",
                   "gate_events", "clarification_items", "appointments", "duplicate_decisions")


def second_language(contact_language: str | None) -> str:
    return contact_language if contact_language in SECOND else "uk"


def _styles():
    regular, bold = register_fonts()
    return {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=11.5, leading=15, spaceBefore=8,
                             spaceAfter=3),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=9.5, leading=12, spaceBefore=4),
        "p": ParagraphStyle("p", fontName=regular, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7, leading=8.6),
        "key": ParagraphStyle("key", fontName=bold, fontSize=7, leading=8.6),
    }


def _heading(key: str, language: str) -> str:
    labels = HEADINGS[key]
    return f"{labels[0]} · {labels[SECOND[language]]}"


def _text(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _label(key: str, language: str | None) -> str:
    labels = FIELDS.get(key)
    if labels is None or language is None:
        return key
    return f"{labels[0]} · {labels[SECOND[language]]}"


def _fields_table(values: dict, styles, language: str | None = None) -> Table:
    data = [[Paragraph(escape(_label(str(key), language)), styles["key"]),
             Paragraph(escape(_text(value)), styles["cell"])]
            for key, value in values.items() if key != "history"]
    table = Table(data, colWidths=(45 * mm, 125 * mm))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#bbbbbb"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def _rows_flow(rows: list[dict], styles, language: str) -> list:
    if not rows:
        return [Paragraph(_heading("none", language), styles["p"])]
    flow = []
    for entry in rows:
        flow.append(_fields_table(entry, styles, language))
        if entry.get("history"):
            flow.append(Paragraph(escape(_heading("history", language)), styles["key"]))
            flow += [_fields_table(step, styles, language) for step in entry["history"]]
        flow.append(Spacer(1, 2 * mm))
    return flow


def _document(flow: list, title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title)
    doc.build(flow)
    return buffer.getvalue()


def access_report_pdf(report: dict) -> bytes:
    language = second_language(report["household"].get("contact_language"))
    styles = _styles()
    subject = report["subject"]
    flow = [Paragraph(escape(_heading("title", language)), styles["h1"]),
            Paragraph(escape(f"{subject['name']} · {subject['household_ref']} · "
                             f"{report['generated_at'][:16].replace('T', ' ')} UTC"), styles["p"]),
            Paragraph(escape(HEADINGS["intro"][0]), styles["p"]),
            Paragraph(escape(HEADINGS["intro"][SECOND[language]]), styles["p"]),
            Paragraph(escape(_heading("household", language)), styles["h2"]),
            _fields_table(report["household"], styles, language)]
    if "household_clarification_items" in report:
        flow.append(Paragraph(escape(_heading("household_clarification_items", language)),
                              styles["h2"]))
        flow += _rows_flow(report["household_clarification_items"], styles, language)
    for section in report["persons"]:
        person = section["person"]
        flow += [Paragraph(escape(f"{_heading('person', language)}: "
                                  f"{person['family_name']}, {person['given_names']}"),
                           styles["h2"]), _fields_table(person, styles, language)]
        for key in PERSON_SECTIONS:
            flow.append(Paragraph(escape(_heading(key, language)), styles["h3"]))
            flow += _rows_flow(section[key], styles, language)
    flow.append(Paragraph(escape(_heading("privacy_requests", language)), styles["h2"]))
    flow += _rows_flow(report["privacy_requests"], styles, language)
    flow.append(Paragraph(escape(_heading("audit", language)), styles["h2"]))
    flow += _audit_table(report["audit"], styles, language)
    flow.append(Paragraph(escape(_heading("withheld", language)), styles["h2"]))
    flow += [Paragraph(escape(f"{key}: {why}"), styles["p"])
             for key, why in report["withheld"].items()]
    return _document(flow, HEADINGS["title"][0])


def _audit_table(events: list[dict], styles, language: str) -> list:
    if not events:
        return [Paragraph(_heading("none", language), styles["p"])]
    data = [[Paragraph(escape(_text(e[key])), styles["cell"]) for key in
             ("at", "username", "action", "entity_type", "fields", "detail")] for e in events]
    header = [Paragraph(label, styles["key"]) for label in
              ("Zeit · Час", "Konto", "Aktion", "Datensatz", "Felder", "Details")]
    table = Table([header] + data, colWidths=(30 * mm, 22 * mm, 16 * mm, 22 * mm, 35 * mm,
                                              49 * mm), repeatRows=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#bbbbbb")]))
    return [table]


def markdown_pdf(markdown: str) -> bytes:
    """The record of processing (Markdown of headings, paragraphs and tables)."""
    styles = _styles()
    flow: list = []
    table: list[list[str]] = []

    def flush_table():
        if not table:
            return
        width = 174 * mm / len(table[0])
        rows = [[Paragraph(escape(cell), styles["key" if i == 0 else "cell"]) for cell in row]
                for i, row in enumerate(table)]
        t = Table(rows, colWidths=[width] * len(table[0]), repeatRows=1)
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#bbbbbb")]))
        flow.append(t)
        table.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(set(c) <= {"-"} for c in cells):
                continue
            table.append(cells)
            continue
        flush_table()
        if line.startswith("# "):
            flow.append(Paragraph(escape(line[2:]), styles["h1"]))
        elif line.startswith("## "):
            flow.append(Paragraph(escape(line[3:]), styles["h2"]))
        elif line.strip():
            flow.append(Paragraph(escape(line), styles["p"]))
    flush_table()
    return _document(flow, "Verzeichnis von Verarbeitungstätigkeiten")
