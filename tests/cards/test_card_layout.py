"""Issue 23 (cards): every text stays inside its box at every length — measured on
the printed characters of the PDF (pypdfium2) — the card says what it is for and
what to do when it is lost in German, Ukrainian and Russian, and the A4 sheet has
cut marks."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from arrival.cards.render import CARD_HEIGHT, CARD_WIDTH, CardFace, boxes, render_cards

TOLERANCE = 0.3  # points: glyph boxes are measured, not drawn


def face(family: str = "Shevchenko", given: str = "Olena", cyrillic: str = "Шевченко Олена",
         number: str = "K-WWWW-WWWW-W") -> CardFace:
    return CardFace("Ankunftszentrum Stuttgart", family, given, cyrillic, "12.03.1984",
                    "H-ABCD-EFGH-1", number, date(2026, 12, 1), "ARV1-" + "A" * 32)


def characters(data: bytes, page_index: int = 0) -> list[tuple[str, tuple[float, ...]]]:
    """(character, (left, bottom, right, top)) of every printed character."""
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        textpage = document[page_index].get_textpage()
        found = []
        for index in range(textpage.count_chars()):
            char = textpage.get_text_range(index, 1)
            if char.strip():
                found.append((char, textpage.get_charbox(index)))
        return found
    finally:
        document.close()


def inside(box, region) -> bool:
    left, bottom, right, top = box
    r_left, r_bottom, r_right, r_top = region
    return (left >= r_left - TOLERANCE and right <= r_right + TOLERANCE
            and bottom >= r_bottom - TOLERANCE and top <= r_top + TOLERANCE)


def overlaps(box, region) -> bool:
    left, bottom, right, top = box
    r_left, r_bottom, r_right, r_top = region
    return left < r_right - TOLERANCE and right > r_left + TOLERANCE and \
        bottom < r_top - TOLERANCE and top > r_bottom + TOLERANCE


LONG_CYRILLIC = "Святополк-Мирський-Оболенський-Долгоруков"


@pytest.mark.parametrize("length", [3, 12, 24, 40, 60, 100])
def test_names_of_every_length_stay_inside_the_card_and_off_the_qr_code(length):
    family = (LONG_CYRILLIC * 3)[:length]
    given = ("Олександра-Вікторія Анастасія Костянтинівна " * 3)[:length]
    data = render_cards([face(family, given, f"{family} {given}")])
    regions = boxes(0, 0)
    printed = characters(data)
    assert printed
    for char, box in printed:
        assert inside(box, regions["card"]), f"{char!r} {box} leaves the card"
        assert not overlaps(box, regions["qr"]), f"{char!r} {box} runs into the QR code"


def test_the_check_character_of_the_number_stays_on_the_card_and_the_sheet():
    number = "K-WWWW-WWWW-W"
    for sheet in (False, True):
        data = render_cards([face(number=number)] * 2, sheet=sheet)
        printed = characters(data)
        text = "".join(char for char, _box in printed)
        assert number.replace("-", "") in text.replace("-", "")
        last = [box for char, box in printed if char == "W"][-1]
        left = 0 if not sheet else None
        cards = [boxes(0, 0)["card"]] if left == 0 else _sheet_cards(2)
        assert any(inside(last, card) for card in cards), f"check character at {last}"


def _sheet_cards(count: int) -> list[tuple[float, ...]]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    width, height = A4
    margin_x = (width - 2 * CARD_WIDTH - 8 * mm) / 2
    margin_y = (height - 5 * CARD_HEIGHT - 4 * 4 * mm) / 2
    result = []
    for slot in range(count):
        column, row = slot % 2, slot // 2
        x = margin_x + column * (CARD_WIDTH + 8 * mm)
        y = height - margin_y - (row + 1) * CARD_HEIGHT - row * 4 * mm
        result.append((x, y, x + CARD_WIDTH, y + CARD_HEIGHT))
    return result


def test_every_text_of_a_crowded_card_stays_in_its_own_box():
    data = render_cards([face(LONG_CYRILLIC, "Олександра-Вікторія Анастасія Костянтинівна",
                              f"{LONG_CYRILLIC} Олександра-Вікторія")])
    regions = boxes(0, 0)
    person, footer = regions["person"], regions["footer"]
    for char, box in characters(data):
        assert any(inside(box, regions[name]) for name in ("header", "person", "number",
                                                          "footer")), (char, box)
    # Names and details never reach into the explanation below, nor it into them.
    assert person[1] >= footer[3]


def test_the_card_explains_itself_in_german_ukrainian_and_russian():
    text = "".join(char for char, _box in characters(render_cards([face()])))
    for words in ("Ankunftskarte", "Картка прибуття", "Карта прибытия",
                  "Verloren?", "Загубили?", "Потеряли?", "Kein Ausweisdokument",
                  "Нар.", "Род.", "Видано", "Выдано"):
        assert words.replace(" ", "") in text.replace(" ", ""), words


def test_the_a4_sheet_has_cut_marks_outside_every_card():
    data = render_cards([face()] * 3, sheet=True)
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        paths = [obj.get_bounds() for obj in document[0].get_objects()
                 if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH]
    finally:
        document.close()
    for card in _sheet_cards(3):
        left, bottom, right, top = card
        for corner_x, corner_y in ((left, bottom), (left, top), (right, bottom), (right, top)):
            near = [p for p in paths
                    if abs(p[0] - corner_x) < 12 and abs(p[1] - corner_y) < 12
                    and not overlaps(p, card) and (p[2] - p[0] < 1.5 or p[3] - p[1] < 1.5)]
            assert len(near) >= 2, f"cut marks at the corner {corner_x:.0f},{corner_y:.0f}"


def test_a_crowded_card_and_sheet_are_rendered_for_the_artifacts():
    """Evidence for people, not a rule: the crowded card and the sheet as images."""
    from tests.browser.pages import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    crowded = face(LONG_CYRILLIC, "Олександра-Вікторія Анастасія Костянтинівна",
                   f"{LONG_CYRILLIC} Олександра-Вікторія")
    for name, data, scale in (("field-card-id1", render_cards([crowded]), 8),
                              ("field-card-sheet", render_cards([face(), crowded], sheet=True),
                               2)):
        document = pypdfium2.PdfDocument(io.BytesIO(data))
        try:
            document[0].render(scale=scale).to_pil().save(SCREENSHOTS / f"{name}.png")
        finally:
            document.close()
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0
