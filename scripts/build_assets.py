"""Copy the front-end assets the pages use from node_modules (installed from
package-lock.json) into arrival/static/vendor/, where the app serves them.

Run by scripts/setup after `npm ci`. Nothing is fetched at run time.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "arrival" / "static" / "vendor"

FONT_PACKAGE = NODE_MODULES / "@fontsource" / "noto-sans"
FONT_WEIGHTS = ("400", "600", "700")
URL_PATTERN = re.compile(r"url\(\./files/([^)]+)\)")


def build_fonts() -> int:
    target = VENDOR / "noto-sans"
    (target / "files").mkdir(parents=True, exist_ok=True)
    stylesheets = []
    copied = 0
    for weight in FONT_WEIGHTS:
        css = (FONT_PACKAGE / f"{weight}.css").read_text(encoding="utf-8")
        for filename in sorted(set(URL_PATTERN.findall(css))):
            shutil.copy2(FONT_PACKAGE / "files" / filename, target / "files" / filename)
            copied += 1
        stylesheets.append(css)
    (target / "noto-sans.css").write_text("\n".join(stylesheets), encoding="utf-8")
    return copied


# Files copied as they are: (package path, target path below vendor/).
PLAIN_FILES = (
    # TrueType fonts with Cyrillic, embedded into the card PDFs.
    ("dejavu-fonts-ttf/ttf/DejaVuSans.ttf", "dejavu/DejaVuSans.ttf"),
    ("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    ("dejavu-fonts-ttf/LICENSE", "dejavu/LICENSE"),
    # The in-browser QR decoder of the scan station.
    ("jsqr/dist/jsQR.js", "jsqr/jsQR.js"),
    # The dashboard's trend charts.
    ("chart.js/dist/chart.umd.min.js", "chartjs/chart.umd.min.js"),
    ("chart.js/LICENSE.md", "chartjs/LICENSE.md"),
    # IndexedDB with promises: the form drafts on the tablet (js/drafts.js).
    ("idb/build/umd.js", "idb/umd.js"),
    ("idb/LICENSE", "idb/LICENSE"),
    # The app's service worker (js/offline-worker.js): Workbox's loader and the
    # modules it loads from modulePathPrefix (the production builds).
    ("workbox-sw/build/workbox-sw.js", "workbox/workbox-sw.js"),
    ("workbox-sw/LICENSE", "workbox/LICENSE"),
) + tuple(
    (f"workbox-{module}/build/workbox-{module}.prod.js", f"workbox/workbox-{module}.prod.js")
    for module in ("core", "routing", "strategies", "precaching", "expiration",
                   "cacheable-response")
)


def copy_plain_files() -> int:
    for source, target in PLAIN_FILES:
        destination = VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(NODE_MODULES / source, destination)
    return len(PLAIN_FILES)


def main() -> int:
    if not FONT_PACKAGE.exists():
        print("node_modules is missing: run `npm ci` first (scripts/setup does).", file=sys.stderr)
        return 1
    copied = build_fonts() + copy_plain_files()
    print(f"assets: {copied} files copied to {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
