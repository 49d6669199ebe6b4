"""Arrival cards as PDF: ID-1 (85.6 × 54 mm) one per page, or an A4 sheet of ten.

Fonts with Cyrillic (DejaVu, from the npm lock file, copied into static/vendor
by scripts/build_assets.py) are embedded. The QR image is made with `qrcode`,
error correction M, with its quiet zone, at least 20 mm wide: at 300 dpi that is
about 7 pixels per module.
"""

from __future__ import annotations

import io
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


def draw_card(canvas: Canvas, face: CardFace, x: float, y: float) -> None:
    regular, bold = register_fonts()
    canvas.saveState()
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.3)
    canvas.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm)
    canvas.setFillColorRGB(0.07, 0.2, 0.31)
    canvas.rect(x, y + CARD_HEIGHT - 8 * mm, CARD_WIDTH, 8 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(bold, 8)
    canvas.drawString(x + 3 * mm, y + CARD_HEIGHT - 5.5 * mm, face.centre[:48])
    canvas.setFillColorRGB(0, 0, 0)
    qr_x, qr_y = x + CARD_WIDTH - QR_SIZE - 2 * mm, y + CARD_HEIGHT - 9 * mm - QR_SIZE
    canvas.drawImage(qr_image(face.token), qr_x, qr_y, QR_SIZE, QR_SIZE)
    text_width = CARD_WIDTH - QR_SIZE - 7 * mm
    line_y = y + CARD_HEIGHT - 13 * mm
    name = face.family_name.upper()
    canvas.setFont(bold, _fit(canvas, name, bold, 10, text_width))
    canvas.drawString(x + 3 * mm, line_y, name)
    canvas.setFont(regular, _fit(canvas, face.given_names, regular, 9, text_width))
    canvas.drawString(x + 3 * mm, line_y - 4.2 * mm, face.given_names)
    if face.cyrillic_name:
        canvas.setFont(regular, _fit(canvas, face.cyrillic_name, regular, 8, text_width))
        canvas.drawString(x + 3 * mm, line_y - 8.2 * mm, face.cyrillic_name)
    canvas.setFont(regular, 7)
    details = [f"Geb./DOB: {face.date_of_birth}", f"Haushalt: {face.household_ref}",
               f"Ausgestellt: {face.issued_on.strftime('%d.%m.%Y')}"]
    for index, line in enumerate(details):
        canvas.drawString(x + 3 * mm, line_y - (12.5 + 3.3 * index) * mm, line)
    canvas.setFont(bold, 9)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, qr_y - 3.5 * mm, face.number)
    canvas.setFont(regular, 4.6)
    for index, line in enumerate(NOT_AN_ID):
        canvas.drawString(x + 3 * mm, y + (1.8 + 1.9 * (len(NOT_AN_ID) - 1 - index)) * mm, line)
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
