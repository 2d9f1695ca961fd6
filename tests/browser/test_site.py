"""The published course site (``make site`` → build/site), opened in headless Chromium.

Every page reachable from the landing page is visited: it renders (a title and its article),
every image on it loads, and every link to another page of the site resolves (the page
exists and, for a link to a section, the section is on it). The lessons are all there, the
playgrounds show their saved figure with a note, and search finds a lesson.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import requests
from browsing import ROOT, SITE, committed, has_playground, severe_console_messages

COLLECT = """
const article = document.querySelector('article, main');
const imgs = [...document.images];
return {
  title: document.title,
  h1: (document.querySelector('h1') || {}).textContent || '',
  article: article ? article.innerText.length : 0,
  images: imgs.length,
  broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 120)),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  notes: document.querySelectorAll('.playground-note').length,
};
"""


def wait_loaded(driver: Any) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if driver.execute_script(
            "return document.readyState === 'complete' && "
            "[...document.images].every(i => i.complete);"
        ):
            return
        time.sleep(0.1)


def crawl(driver: Any, start: str) -> dict[str, dict[str, Any]]:
    """Visit every HTML page of the site reachable from ``start``; what each one showed."""
    seen: dict[str, dict[str, Any]] = {}
    queue = [start]
    origin = urlparse(start).netloc
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        driver.get(url)
        wait_loaded(driver)
        page = driver.execute_script(COLLECT)
        page["severe"] = severe_console_messages(driver)
        seen[url] = page
        for link in page["links"]:
            target, _ = urldefrag(link)
            parsed = urlparse(target)
            if (
                parsed.netloc == origin
                and target.endswith(".html")
                and not target.endswith(("genindex.html", "search.html"))
                and "/_" not in parsed.path
                and target not in seen
            ):
                queue.append(target)
    return seen


@pytest.fixture(scope="module")
def pages(browser: Any, site: str, screenshots: Path) -> dict[str, dict[str, Any]]:
    browser.get_log("browser")
    found = crawl(browser, f"{site}/index.html")
    browser.get(f"{site}/index.html")
    wait_loaded(browser)
    browser.save_screenshot(str(screenshots / "site-landing.png"))
    return found


def test_every_page_renders(pages: dict[str, dict[str, Any]]) -> None:
    assert len(pages) > 10
    empty = [url for url, p in pages.items() if not p["title"] or p["article"] < 40]
    assert not empty, f"pages that rendered nothing: {empty}"


def test_every_image_loads(pages: dict[str, dict[str, Any]]) -> None:
    broken = {url: p["broken"] for url, p in pages.items() if p["broken"]}
    assert not broken, f"images that did not load: {broken}"
    figures = sum(
        "image/png" in output.get("data", {})
        for path in ROOT.glob("notebooks/[0-9]*.ipynb")
        for cell in committed(path)["cells"]
        for output in cell.get("outputs", [])
    )
    assert sum(p["images"] for p in pages.values()) >= figures > 0


def test_nothing_in_the_console_at_severe(pages: dict[str, dict[str, Any]]) -> None:
    severe = [f"{url}: {m}" for url, p in pages.items() for m in p["severe"]]
    assert not severe, "browser console at SEVERE:\n" + "\n".join(severe)


def test_every_internal_link_resolves(pages: dict[str, dict[str, Any]], site: str) -> None:
    origin = urlparse(site).netloc
    html: dict[str, str | None] = {}

    def fetch(url: str) -> str | None:
        if url not in html:
            answer = requests.get(url, timeout=10)
            html[url] = answer.text if answer.status_code == 200 else None
        return html[url]

    broken: list[str] = []
    for page, seen in pages.items():
        for link in seen["links"]:
            if urlparse(link).netloc != origin:
                continue
            target, fragment = urldefrag(link)
            body = fetch(target)
            if body is None:
                broken.append(f"{page} → {link} (not found)")
            elif (
                fragment
                and target.endswith(".html")
                and not re.search(rf'id=["\']{re.escape(fragment)}["\']', body)
            ):
                broken.append(f"{page} → {link} (no such section)")
    assert not broken, "broken links:\n" + "\n".join(sorted(set(broken)))


def test_every_lesson_and_lab_is_a_page(pages: dict[str, dict[str, Any]], site: str) -> None:
    expected = [
        *(f"notebooks/{p.stem}.html" for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))),
        *(f"labs/{p.stem}.html" for p in sorted((ROOT / "labs/exercises").glob("[0-9]*.ipynb"))),
        *(
            f"solutions/{p.stem}.html"
            for p in sorted((ROOT / "labs/solutions").glob("[0-9]*.ipynb"))
        ),
        "course-map.html",
    ]
    visited = {urlparse(u).path.lstrip("/") for u in pages}
    missing = [e for e in expected if e not in visited]
    assert not missing, f"not reachable from the landing page: {missing}"


def test_lessons_link_to_the_next_one(browser: Any, site: str) -> None:
    lessons = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    browser.get(f"{site}/notebooks/{lessons[0].stem}.html")
    wait_loaded(browser)
    nxt = browser.execute_script(
        "const a = document.querySelector('a.right-next'); return a ? a.href : null;"
    )
    assert nxt and nxt.endswith(f"notebooks/{lessons[1].stem}.html"), nxt


def test_playgrounds_show_their_saved_figure_with_a_note(
    pages: dict[str, dict[str, Any]], site: str
) -> None:
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        if has_playground(path):
            page = pages[urljoin(site + "/", f"notebooks/{path.stem}.html")]
            assert page["notes"] >= 1, f"{path.name}: no playground note on its page"


def test_search_finds_a_lesson(browser: Any, site: str, screenshots: Path) -> None:
    browser.get(f"{site}/search.html?q=throttling")
    deadline = time.monotonic() + 20
    results: list[str] = []
    while time.monotonic() < deadline and not results:
        results = browser.execute_script(
            "return [...document.querySelectorAll('#search-results li a')].map(a => a.href);"
        )
        time.sleep(0.2)
    browser.save_screenshot(str(screenshots / "site-search.png"))
    assert any("09-throttling" in r for r in results), results


def test_the_japanese_edition_sits_beside_the_english_one(
    pages: dict[str, dict[str, Any]], site: str
) -> None:
    japanese = sorted((ROOT / "notebooks" / "ja").glob("[0-9]*.ipynb"))
    if not japanese:
        assert not (SITE / "ja").exists()
        pytest.skip("no Japanese edition (notebooks/ja/) yet")
    visited = {urlparse(u).path.lstrip("/") for u in pages}
    assert "ja/index.html" in visited
    missing = [p.stem for p in japanese if f"ja/notebooks/{p.stem}.html" not in visited]
    assert not missing, f"Japanese lessons not reachable: {missing}"
