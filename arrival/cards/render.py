"""Arrival cards as PDF: ID-1 (85.6 × 54 mm) one per page, or an A4 sheet of ten.

Fonts with Cyrillic (DejaVu, from the npm lock file, copied into static/vendor
by scripts/build_assets.py) are embedded. The QR image is made with `qrcode`,
error correction M, with its quiet zone, at least 20 mm wide: at 300 dpi that is
about 7 pixels per module.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

CARD_WIDTH = 85.6 * mm
CARD_HEIGHT = 54 * mm
QR_SIZE = 24 * mm
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "dejavu"
NOT_AN_ID = (
    "Kein Ausweisdokument.",
    "Не є документом, що посвідчує особу.",
    "Не является удостоверением личности.",
    "Not an identity document.",
)


@dataclass(frozen=True)
class CardFace:
    centre: str
    family_name: str
    given_names: str
    cyrillic_name: str
    date_of_birth: str
    household_ref: str
    number: str
    issued_on: date
    token: str
    # The optional photo (PERSON_PHOTOS): a small JPEG, printed left of the name.
    photo: bytes | None = None


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, str]:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.exists():
        raise RuntimeError(f"{regular} is missing: run scripts/setup (it copies the fonts)")
    pdfmetrics.registerFont(TTFont("ArrivalSans", str(regular)))
    pdfmetrics.registerFont(TTFont("ArrivalSans-Bold", str(bold)))
    return "ArrivalSans", "ArrivalSans-Bold"


def qr_image(token: str):
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=8)
    code.add_data(token)
    code.make(fit=True)
    return ImageReader(code.make_image(fill_color="black", back_color="white").get_image())


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    while size > 5 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width` points: broken between words, else after a hyphen
    (double names), and a part longer than a line between characters."""
    pieces: list[tuple[str, bool]] = []  # (piece, joined to the one before)
    for word in text.split():
        for index, part in enumerate(re.split(r"(?<=-)", word)):
            if part:
                pieces.append((part, index > 0))
    lines: list[str] = []
    current = ""
    for piece, joined in pieces:
        candidate = current + piece if joined or not current else f"{current} {piece}"
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in piece:
            if pdfmetrics.stringWidth(current + char, font, size) <= width:
                current += char
            else:
                if current:
                    lines.append(current)
                current = char
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Paragraph:
    text: str
    font: str
    size: float            # the size it gets when there is room
    max_lines: int = 2
    leading: float = 1.18  # line height as a multiple of the size


ASCENT, DESCENT = 0.93, 0.24  # DejaVu Sans, as fractions of the size


def layout(paragraphs: list[Paragraph], width: float, height: float,
           min_scale: float = 0.45) -> list[tuple[str, str, float, float]]:
    """Lay paragraphs out top-down inside a width × height box: all at their size
    if they fit, else all a little smaller, until every paragraph takes at most its
    lines and the whole block the height. Returns (text, font, size, offset of the
    baseline below the box's top) for each line. Nothing leaves the box sideways;
    at the smallest scale, lines beyond a paragraph's limit end in '…'."""
    scale = 1.0
    while True:
        placed, line_top, bottom, fits = [], 0.0, 0.0, True
        for paragraph in paragraphs:
            size = paragraph.size * scale
            lines = wrap(paragraph.text, paragraph.font, size, width)
            if len(lines) > paragraph.max_lines:
                fits = False
                lines = lines[:paragraph.max_lines]
                lines[-1] = _ellipsis(lines[-1], paragraph.font, size, width)
            for line in lines:
                placed.append((line, paragraph.font, size, line_top + ASCENT * size))
                bottom = line_top + (ASCENT + DESCENT) * size
                line_top += paragraph.leading * size
        if bottom > height:
            fits = False
        if fits or scale <= min_scale:
            return placed
        scale = max(scale - 0.05, min_scale)


def _ellipsis(line: str, font: str, size: float, width: float) -> str:
    while line and pdfmetrics.stringWidth(line + "…", font, size) > width:
        line = line[:-1]
    return line + "…"


def _draw_box(canvas: Canvas, paragraphs: list[Paragraph], x: float, top: float,
              width: float, height: float) -> None:
    for line, font, size, offset in layout(paragraphs, width, height):
        canvas.setFont(font, size)
        canvas.drawString(x, top - offset, line)


# What the card is for and what to do when it is lost, for its holder (issue 23):
# German, Ukrainian, Russian — one short line each.
CARD_TITLE = "Ankunftskarte · Картка прибуття · Карта прибытия"
CARD_PURPOSE = (
    "Für Essen, Leistungen und Termine vorzeigen. Verloren? Zur Information – Sie "
    "bekommen eine neue Karte.",
    "Показуйте для харчування, послуг і зустрічей. Загубили? Зверніться до інформації — "
    "вам видадуть нову картку.",
    "Показывайте для питания, услуг и встреч. Потеряли? Обратитесь в информацию — вам "
    "выдадут новую карту.",
)
PADDING = 3 * mm
HEADER = 8 * mm


PHOTO_WIDTH = 15 * mm  # 3:4, like a passport photo, beside the name
PHOTO_HEIGHT = 20 * mm


def boxes(x: float, y: float, *, photo: bool = False
          ) -> dict[str, tuple[float, float, float, float]]:
    """The card's regions (left, bottom, right, top) in points: what each text may
    fill. The tests check the printed characters against these. With a photo the
    person's text starts right of it."""
    qr_left = x + CARD_WIDTH - QR_SIZE - 2 * mm
    qr_bottom = y + CARD_HEIGHT - HEADER - 1 * mm - QR_SIZE
    person_left = x + PADDING + (PHOTO_WIDTH + 1.5 * mm if photo else 0)
    regions = {
        "card": (x, y, x + CARD_WIDTH, y + CARD_HEIGHT),
        "header": (x + PADDING, y + CARD_HEIGHT - HEADER, x + CARD_WIDTH - PADDING,
                   y + CARD_HEIGHT),
        "qr": (qr_left, qr_bottom, qr_left + QR_SIZE, qr_bottom + QR_SIZE),
        "number": (qr_left - 1 * mm, qr_bottom - 4.2 * mm, x + CARD_WIDTH - 1.5 * mm,
                   qr_bottom - 0.3 * mm),
        "person": (person_left, qr_bottom - 3.9 * mm, qr_left - 1.5 * mm,
                   y + CARD_HEIGHT - HEADER - 1 * mm),
        "footer": (x + PADDING, y + 1.2 * mm, x + CARD_WIDTH - PADDING, qr_bottom - 4.4 * mm),
    }
    if photo:
        top = y + CARD_HEIGHT - HEADER - 1 * mm
        regions["photo"] = (x + PADDING, top - PHOTO_HEIGHT, x + PADDING + PHOTO_WIDTH, top)
    return regions


def draw_card(canvas: Canvas, face: CardFace, x: float, y: float) -> None:
    regular, bold = register_fonts()
    regions = boxes(x, y, photo=face.photo is not None)
    canvas.saveState()
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.3)
    canvas.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm)
    canvas.setFillColorRGB(0.07, 0.2, 0.31)
    canvas.rect(x, y + CARD_HEIGHT - HEADER, CARD_WIDTH, HEADER, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    left, bottom, right, top = regions["header"]
    _draw_box(canvas, [Paragraph(CARD_TITLE, bold, 7, 1), Paragraph(face.centre, regular, 5.5, 1)],
              left, top - 0.6 * mm, right - left, top - bottom - 1 * mm)
    canvas.setFillColorRGB(0, 0, 0)
    qr_left, qr_bottom, _qr_right, _qr_top = regions["qr"]
    canvas.drawImage(qr_image(face.token), qr_left, qr_bottom, QR_SIZE, QR_SIZE)

    if face.photo is not None:
        left, bottom, right, top = regions["photo"]
        canvas.drawImage(ImageReader(io.BytesIO(face.photo)), left, bottom, right - left,
                         top - bottom, preserveAspectRatio=True, anchor="n")
    left, bottom, right, top = regions["person"]
    person = [Paragraph(face.family_name.upper(), bold, 10, 2),
              Paragraph(face.given_names, regular, 9, 2)]
    if face.cyrillic_name:
        person.append(Paragraph(face.cyrillic_name, regular, 8, 2))
    person += [
        Paragraph(f"Geb. · Нар. · Род.: {face.date_of_birth}", regular, 6.3, 1),
        Paragraph(f"Haushalt · Сім'я · Семья: {face.household_ref}", regular, 6.3, 1),
        Paragraph(f"Ausgestellt · Видано · Выдано: {face.issued_on.strftime('%d.%m.%Y')}",
                  regular, 6.3, 1),
    ]
    _draw_box(canvas, person, left, top, right - left, top - bottom)

    left, bottom, right, top = regions["number"]
    size = _fit(canvas, face.number, bold, 9, right - left)
    canvas.setFont(bold, size)
    canvas.drawCentredString((left + right) / 2, bottom + 0.8 * mm, face.number)

    left, bottom, right, top = regions["footer"]
    footer = [Paragraph(line, regular, 4.8, 2, 1.12) for line in CARD_PURPOSE]
    footer.append(Paragraph(" · ".join(NOT_AN_ID), bold, 4.3, 2, 1.12))
    _draw_box(canvas, footer, left, top, right - left, top - bottom)
    canvas.restoreState()


def cut_marks(canvas: Canvas, x: float, y: float, length: float = 2 * mm,
              gap: float = 0.8 * mm) -> None:
    """Short lines outside each corner of a card, along its edges, for the cutter."""
    canvas.saveState()
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setLineWidth(0.25)
    for cx, dx in ((x, -1), (x + CARD_WIDTH, 1)):
        for cy, dy in ((y, -1), (y + CARD_HEIGHT, 1)):
            canvas.line(cx + dx * gap, cy, cx + dx * (gap + length), cy)
            canvas.line(cx, cy + dy * gap, cx, cy + dy * (gap + length))
    canvas.restoreState()


def render_cards(faces: list[CardFace], *, sheet: bool = False) -> bytes:
    """One card per ID-1 page, or ten per A4 page (2 × 5) for a household."""
    buffer = io.BytesIO()
    if sheet:
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        width, height = A4
        margin_x = (width - 2 * CARD_WIDTH - 8 * mm) / 2
        margin_y = (height - 5 * CARD_HEIGHT - 4 * 4 * mm) / 2
        for index, face in enumerate(faces):
            slot = index % 10
            if index and slot == 0:
                canvas.showPage()
            column, row = slot % 2, slot // 2
            x = margin_x + column * (CARD_WIDTH + 8 * mm)
            y = height - margin_y - (row + 1) * CARD_HEIGHT - row * 4 * mm
            cut_marks(canvas, x, y)
            draw_card(canvas, face, x, y)
    else:
        canvas = Canvas(buffer, pagesize=(CARD_WIDTH, CARD_HEIGHT), pageCompression=1)
        for index, face in enumerate(faces):
            if index:
                canvas.showPage()
            draw_card(canvas, face, 0, 0)
    canvas.setTitle("Ankunftskarten")
    canvas.save()
    return buffer.getvalue()
