"""What the counter tests (test_counter.py) work with: a clerk whose every tap and
keystroke is counted, a document reader that types an MRZ, the page loads and the
requests of a page, and the ID-card layouts of the machine-readable zone.

The staff time is a keystroke-level estimate (issue 13): 1 s a tap, 0.6 s a Latin
and 1.5 s a Cyrillic character, 4 s a full page load; a date is typed as its
eight digits. What the document reader types costs the clerk one tap (placing the
passport); its characters are not the clerk's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from playwright.sync_api import Locator, Page

from arrival.registry.mrz import check_digit

SECONDS_PER_TAP = 1.0
SECONDS_PER_LATIN = 0.6
SECONDS_PER_CYRILLIC = 1.5
SECONDS_PER_PAGE_LOAD = 4.0
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass
class Meter:
    taps: int = 0
    latin: int = 0
    cyrillic: int = 0
    page_loads: int = 0
    reader_characters: int = 0

    @property
    def keystrokes(self) -> int:
        return self.latin + self.cyrillic

    @property
    def seconds(self) -> float:
        return (self.taps * SECONDS_PER_TAP + self.latin * SECONDS_PER_LATIN
                + self.cyrillic * SECONDS_PER_CYRILLIC + self.page_loads * SECONDS_PER_PAGE_LOAD)

    def report(self) -> str:
        return (f"page loads {self.page_loads}, taps {self.taps}, keystrokes {self.keystrokes} "
                f"({self.latin} Latin, {self.cyrillic} Cyrillic; the document reader typed "
                f"{self.reader_characters} more), estimated staff time {self.seconds:.1f} s")


@dataclass
class Clerk:
    """One clerk at the tablet: taps with a finger, types on the keyboard, and
    every action is counted."""

    page: Page
    meter: Meter = field(default_factory=Meter)

    def __post_init__(self):
        self.page.on("load", lambda _page: self._loaded())
        self._counting = False

    def _loaded(self) -> None:
        if self._counting:
            self.meter.page_loads += 1

    def start_counting(self) -> None:
        self._counting = True

    def tap(self, target: Locator) -> None:
        target.click()
        self.meter.taps += 1

    def check(self, target: Locator) -> None:
        target.check()
        self.meter.taps += 1

    def choose(self, select: Locator, value: str) -> None:
        """A select on a tablet: a tap to open it, a tap on the option."""
        select.select_option(value)
        self.meter.taps += 2

    def type(self, text: str, into: Locator | None = None) -> None:
        """Types text; into: a field tapped first (unless the focus is there already)."""
        if into is not None and not self.has_focus(into):
            self.tap(into)
        self.page.keyboard.type(text)
        cyrillic = len(CYRILLIC.findall(text))
        self.meter.cyrillic += cyrillic
        self.meter.latin += len(text) - cyrillic

    def type_date(self, value: date, into: Locator) -> None:
        """A date field (German format): its eight digits, day first."""
        if not self.has_focus(into):
            self.tap(into)
        self.page.keyboard.type(value.strftime("%d%m%Y"))
        self.meter.latin += 8
        if into.input_value() != value.isoformat():
            # The test browser's date fields follow its own UI language (month
            # first), not the page's: the same eight digits in that order.
            into.fill("")
            into.click(position={"x": 14, "y": into.bounding_box()["height"] / 2})
            self.page.keyboard.type(value.strftime("%m%d%Y"))
        assert into.input_value() == value.isoformat()

    def has_focus(self, target: Locator) -> bool:
        return target.evaluate("el => el === document.activeElement")


def reader_types(page: Page, lines: tuple[str, ...], *, line_by_line: bool = True,
                 delay_ms: float = 0, meter: Meter | None = None) -> None:
    """A document reader (a keyboard device) types the MRZ into the focused field:
    each line followed by Enter, or all at once without line breaks."""
    if line_by_line:
        for line in lines:
            page.keyboard.type(line, delay=delay_ms)
            page.keyboard.press("Enter")
    else:
        page.keyboard.type("".join(lines), delay=delay_ms)
    if meter is not None:
        meter.reader_characters += sum(len(line) for line in lines)


class Requests:
    """The requests a page sends to one path, with their form bodies."""

    def __init__(self, page: Page, path: str):
        self.bodies: list[str] = []
        page.on("request", lambda request: self._seen(request, path))

    def _seen(self, request, path: str) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith(path):
            self.bodies.append(request.post_data or "")

    def with_action(self, prefix: str) -> list[str]:
        return [b for b in self.bodies if f'name="action"\r\n\r\n{prefix}' in b
                or f"action={prefix}" in b]


# -- ID-card layouts of the machine-readable zone (ICAO 9303) -------------------------


def _mrz_date(value: date) -> str:
    return value.strftime("%y%m%d")


def td1_mrz(*, family_name: str, given_names: str, number: str, nationality: str,
            date_of_birth: date, sex: str, expiry: date) -> tuple[str, str, str]:
    """The three lines (3 × 30) of an ID card, every check digit right."""
    number_field = number.upper().ljust(9, "<")
    top = f"I<{nationality}{number_field}{check_digit(number_field)}".ljust(30, "<")
    birth, until = _mrz_date(date_of_birth), _mrz_date(expiry)
    middle = f"{birth}{check_digit(birth)}{sex}{until}{check_digit(until)}{nationality}"
    middle = middle.ljust(29, "<")
    middle += check_digit(top[5:30] + middle[0:7] + middle[8:15] + middle[18:29])
    bottom = f"{family_name}<<{given_names.replace(' ', '<')}".upper().ljust(30, "<")
    assert len(top) == len(middle) == len(bottom) == 30, (top, middle, bottom)
    return top, middle, bottom


def td2_mrz(*, family_name: str, given_names: str, number: str, nationality: str,
            date_of_birth: date, sex: str, expiry: date) -> tuple[str, str]:
    """The two lines (2 × 36) of an ID card, every check digit right."""
    top = f"I<{nationality}{family_name}<<{given_names.replace(' ', '<')}".upper().ljust(36, "<")
    number_field = number.upper().ljust(9, "<")
    birth, until = _mrz_date(date_of_birth), _mrz_date(expiry)
    bottom = (f"{number_field}{check_digit(number_field)}{nationality}{birth}"
              f"{check_digit(birth)}{sex}{until}{check_digit(until)}").ljust(35, "<")
    bottom += check_digit(bottom[0:10] + bottom[13:20] + bottom[21:35])
    assert len(top) == len(bottom) == 36, (top, bottom)
    return top, bottom
