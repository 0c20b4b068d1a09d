"""Screenshots of the search page and a story page, desktop and phone, for the README.

    python scripts/screenshots.py [--out docs/screenshots] [--stories 400] [--seed 1]

Generates a small demo corpus (scripts/make_corpus.py), indexes it with entity tagging, serves
it with the real app under waitress and photographs it in Debian's Chromium through Playwright
(as the browser tests do). The same arguments give the same pages, but for the "first seen"
times, which come from when the files were written.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from waitress import create_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searcher import build  # noqa: E402
from webui.app import create_app  # noqa: E402

VIEWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# The demo corpus plus the test fixtures' harbour strike blog, which has what the demo corpus
# lacks: times with zones, a post without a headline and undated posts.
EXTRA = ROOT / "tests" / "fixtures" / "page"
SEARCH = "/?q=harbour+OR+offer&sort=newest"  # facets, a timeline with an undated count, a generated title
STORY = "Union leaders"  # the story page shown: the post without a headline
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--stories", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        parser.error("Debian's chromium is needed (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="livesearch-shots-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        print(f"screenshots: generating {args.stories} stories", file=sys.stderr)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(corpus),
                        "--stories", str(args.stories), "--seed", str(args.seed)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("screenshots: indexing (with entity tagging)", file=sys.stderr)
        build.build([corpus, EXTRA], index, progress=False)
        server = create_server(create_app(index), host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for name, viewport in VIEWS.items():
                    context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                                  is_mobile=name == "phone", reduced_motion="reduce")
                    page = context.new_page()
                    page.goto(base + SEARCH)
                    page.wait_for_selector("#search-app[data-state=ready]")
                    page.evaluate("document.activeElement.blur()")
                    shot(page, args.out / f"search-{name}.png")
                    page.locator(".hit-headline a", has_text=STORY).first.click()
                    page.wait_for_selector("article.story")
                    shot(page, args.out / f"story-{name}.png")
                    context.close()
                browser.close()
        finally:
            server.close()
    return 0


def shot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshots: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
