"""The family's appointment slip: date, time, place, what to bring — in German
and in the household's contact language (Ukrainian, Russian or English; English
when the contact language is another one). Printed as PDF (A6 or A4, the
DejaVu fonts with Cyrillic embedded) and shown on the household page."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import current_app
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from arrival.appointments import operations
from arrival.appointments.models import Appointment
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.cards.render import register_fonts
from arrival.core.timezone import to_local

SECOND_LANGUAGES = ("uk", "ru", "en")

WEEKDAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "uk": ("понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"),
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
           "воскресенье"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

LABELS = {
    "de": {"title": "Ihr Termin", "date": "Datum", "time": "Uhrzeit", "place": "Ort",
           "authority": "Behörde", "what": "Anliegen", "persons": "Für",
           "bring": "Bitte mitbringen",
           "early": "Bitte kommen Sie 10 Minuten vorher. Sie werden mit Ihrer Kartennummer "
                    "auf dem Bildschirm aufgerufen.",
           "cannot": "Wenn Sie nicht kommen können, sagen Sie es bitte an der Information."},
    "uk": {"title": "Ваш запис на прийом", "date": "Дата", "time": "Час", "place": "Місце",
           "authority": "Установа", "what": "Мета візиту", "persons": "Для кого",
           "bring": "Візьміть із собою",
           "early": "Будь ласка, приходьте за 10 хвилин до початку. Вас викличуть на екрані "
                    "за номером вашої картки.",
           "cannot": "Якщо ви не можете прийти, будь ласка, повідомте про це на стійці "
                     "інформації."},
    "ru": {"title": "Ваша запись на приём", "date": "Дата", "time": "Время", "place": "Место",
           "authority": "Учреждение", "what": "Цель визита", "persons": "Для кого",
           "bring": "Возьмите с собой",
           "early": "Пожалуйста, приходите за 10 минут до начала. Вас вызовут на экране "
                    "по номеру вашей карты.",
           "cannot": "Если вы не можете прийти, пожалуйста, сообщите об этом на стойке "
                     "информации."},
    "en": {"title": "Your appointment", "date": "Date", "time": "Time", "place": "Place",
           "authority": "Office", "what": "Purpose", "persons": "For",
           "bring": "Please bring",
           "early": "Please come 10 minutes early. You will be called on the screen by your "
                    "card number.",
           "cannot": "If you cannot come, please tell the information desk."},
}


def second_language(contact_language: str | None) -> str:
    return contact_language if contact_language in SECOND_LANGUAGES else "en"


@dataclass(frozen=True)
class SlipLine:
    key: str
    label_de: str
    label_other: str
    value_de: str
    value_other: str


@dataclass(frozen=True)
class Slip:
    centre: str
    language: str
    title_de: str
    title_other: str
    lines: list[SlipLine]
    notes: list[tuple[str, str]]


def slip_for(appointment: Appointment, language: str | None = None) -> Slip:
    other = second_language(language or appointment.household.contact_language)
    de, xx = LABELS["de"], LABELS[other]
    local = to_local(appointment.starts_at)
    kind = operations.appointment_types().get(appointment.type_code)
    spec = kind.attributes if kind else {}
    authority = appointment.authority
    numbers = operations.card_numbers([a.person_id for a in appointment.attendees])
    persons = []
    for attendee in appointment.attendees:
        person = attendee.person
        name = f"{person.given_names} {person.family_name}"
        cyrillic = " ".join(filter(None, (person.given_names_cyrillic,
                                          person.family_name_cyrillic)))
        card = numbers.get(person.id)
        persons.append(name + (f" ({cyrillic})" if cyrillic else "")
                       + (f" · {card}" if card else ""))
    day = local.strftime("%d.%m.%Y")

    def line(key, value_de, value_other=None):
        return SlipLine(key, de[key], xx[key], value_de,
                        value_de if value_other is None else value_other)

    lines = [
        line("date", f"{WEEKDAYS['de'][local.weekday()]}, {day}",
             f"{WEEKDAYS[other][local.weekday()]}, {day}"),
        line("time", local.strftime("%H:%M")),
        line("place", appointment.calendar.location),
        line("authority", authority.name_de,
             authority.name_en if other == "en" else authority.name_de),
        line("what", kind.title_de if kind else appointment.type_code,
             operations.type_title(kind, other) if kind else appointment.type_code),
        line("persons", "; ".join(persons)),
    ]
    if spec.get("bring_de"):
        lines.append(line("bring", spec["bring_de"], spec.get(f"bring_{other}") or
                          spec.get("bring_en") or spec["bring_de"]))
    return Slip(centre=current_app.config["CENTRE_NAME"], language=other,
                title_de=de["title"], title_other=xx["title"], lines=lines,
                notes=[(de["early"], xx["early"]), (de["cannot"], xx["cannot"])])


def render(slip: Slip, size: str = "a6") -> bytes:
    regular, bold = register_fonts()
    pagesize = A4 if size == "a4" else A6
    scale = 1.6 if size == "a4" else 1.0
    width, height = pagesize
    margin = 8 * mm * scale
    text_width = width - 2 * margin
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(f"{slip.title_de} / {slip.title_other}")
    y = height - margin

    def write(text: str, font: str, points: float, gap: float = 1.0) -> None:
        nonlocal y
        for part in simpleSplit(text, font, points * scale, text_width):
            y -= points * scale * 1.25
            canvas.setFont(font, points * scale)
            canvas.drawString(margin, y, part)
        y -= gap * mm * scale

    canvas.setFillColorRGB(0.07, 0.2, 0.31)
    write(slip.centre, bold, 7)
    canvas.setFillColorRGB(0, 0, 0)
    write(slip.title_de, bold, 13, 0)
    write(slip.title_other, bold, 11, 2)
    for line in slip.lines:
        big = line.key in ("date", "time")
        write(f"{line.label_de} / {line.label_other}", regular, 6.5, 0)
        write(line.value_de, bold, 11 if big else 8.5, 0)
        if line.value_other != line.value_de:
            write(line.value_other, bold if big else regular, 10 if big else 8, 0)
        y -= 1.5 * mm * scale
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.line(margin, y, width - margin, y)
    y -= 1 * mm * scale
    for note_de, note_other in slip.notes:
        write(note_de, regular, 6.5, 0)
        write(note_other, regular, 6.5, 1.2)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_for(appointment: Appointment, *, size: str = "a6", language: str | None = None
               ) -> bytes:
    data = render(slip_for(appointment, language), "a4" if size == "a4" else "a6")
    record(AuditAction.PRINT, entity_type="appointment", entity_id=appointment.id,
           detail=f"slip {size}", persons=operations.persons_of([appointment]))
    return data
