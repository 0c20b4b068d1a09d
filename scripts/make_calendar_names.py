"""Write searcher/pipeline/calendar_names.json: month and weekday words of the locales in
searcher.pipeline.dates.NAME_LOCALES, from the Unicode CLDR as Babel ships it.

    python scripts/make_calendar_names.py

Run it after changing NAME_LOCALES or upgrading Babel (pinned in the test extras);
tests/test_dates.py fails while the file differs from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searcher.pipeline.dates import CALENDAR_NAMES, NAME_LOCALES, names_from_cldr  # noqa: E402


def generated_text() -> str:
    from babel import Locale

    localized = {}
    for code in NAME_LOCALES:
        locale = Locale.parse(code)
        localized[code] = (locale.months, locale.days)
    return json.dumps(names_from_cldr(localized).to_json(), ensure_ascii=False, indent=0) + "\n"


def main() -> int:
    CALENDAR_NAMES.write_text(generated_text(), encoding="utf-8")
    print(f"wrote {CALENDAR_NAMES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
