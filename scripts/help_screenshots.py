"""Take the pictures on the /help page from a running StoryForge.

Run from the repository root: ``.venv/bin/python scripts/help_screenshots.py``.

Starts a throwaway instance (temp folder, SQLite, embedded Redis), seeds the
demo scenes and renders them with an in-process worker, serves the app on
127.0.0.1, signs a reader in, and captures pages with Playwright driving
Debian's Chromium (``CHROMIUM_PATH`` overrides). Each picture is a fixed region
of a 1200-px-wide page, scaled to 900 px and saved as WebP in ``static/help/``,
so its size never changes and templates/main/help.html can state it.
"""
from __future__ import annotations

import io
import logging
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _instance import bench_instance  # noqa: E402

OUT = ROOT / "static/help"
PAGE_WIDTH = 1200
OUT_WIDTH = 900
MAX_BYTES = 150_000
READER = "reader"
PASSWORD = "tea by the lighthouse"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--font-render-hinting=none"]
#: a continuation that fits the fox detective's Bible (the preview lists what it used)
GOOD_PROMPT = "Detective Juniper hails a taxi outside the Moonlight Cafe and heads home to write up the case."
#: one that contradicts it (her coat is brown since segment 1)
CLASHING_PROMPT = "Detective Juniper, in a green coat, hails a taxi outside the Moonlight Cafe."


@dataclass(frozen=True)
class Shot:
    """A region of a page: from the top of ``selector`` (less ``above`` px), ``height`` px tall, full width."""

    name: str
    selector: str
    height: int
    above: int = 16


def main() -> None:
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("No Chromium found: install Debian's `chromium` or set CHROMIUM_PATH.")
    with bench_instance() as (app, _env):
        fox = _render_demo()
        base = _serve(app)
        from playwright.sync_api import sync_playwright

        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
            page = browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900}, color_scheme="dark").new_page()
            _take_pictures(page, base, fox)
            browser.close()


def _render_demo() -> dict:
    """Seed the demo, render all of it, add a reader account; returns the fox detective scene's ids."""
    from rq import SimpleWorker
    from sqlalchemy import select

    from app.auth.accounts import register_user
    from app.extensions import db, redis_client
    from app.models import Scene
    from app.models.paths import segment_path
    from app.seeding.demo import DEMO_SCENES, seed_demo

    logging.getLogger("rq.worker").setLevel(logging.WARNING)
    started = time.perf_counter()
    seed_demo()
    SimpleWorker(["generate", "default"], connection=redis_client()).work(burst=True, with_scheduler=False)
    print(f"• demo rendered in {time.perf_counter() - started:.0f} s", flush=True)
    register_user(f"{READER}@example.com", READER, PASSWORD)
    title = next(p.title for p in DEMO_SCENES if p.key == "fox-detective")
    scene = db.session.scalar(select(Scene).where(Scene.title == title))
    path = segment_path(scene.head_segment_id)
    ids = {"scene": scene.public_id, "root": path[0].public_id, "second": path[1].public_id}
    db.session.remove()
    return ids


def _serve(app) -> str:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def _take_pictures(page, base: str, fox: dict) -> None:
    scene = f"{base}/scenes/{fox['scene']}"
    _visit(page, f"{base}/")
    _save(page, Shot("home", "section[aria-labelledby=recent-heading]", 720))

    page.goto(f"{base}/auth/login")
    page.fill("#identifier", READER)
    page.fill("#password", PASSWORD)
    page.click("main [type=submit]")
    page.wait_for_load_state("networkidle")

    _visit(page, scene)
    _save(page, Shot("scene-player", ".scene-header", 648))
    _save(page, Shot("fork-here", f"#segment-{fox['second']}", 260, above=12))

    for name, prompt, height in (("continue-form", GOOD_PROMPT, 568), ("continuity-check", CLASHING_PROMPT, 424)):
        page.fill(".continue-panel textarea", "")
        page.type(".continue-panel textarea", prompt, delay=5)
        page.wait_for_selector(".continuity-preview .alert, .continuity-preview .continuity-notes")
        page.wait_for_timeout(300)
        _save(page, Shot(name, ".continue-panel", height))

    _visit(page, f"{scene}/bible")
    _save(page, Shot("scene-bible", "main .eyebrow", 720, above=8))
    _visit(page, f"{base}/stories/{fox['root']}?from={fox['scene']}")
    _save(page, Shot("story-tree", "main h1", 472))


def _visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate("Promise.all(Array.from(document.images, i => i.complete ? 0 : new Promise(r => i.onload = i.onerror = r)))")


def _save(page, shot: Shot) -> None:
    from PIL import Image

    page.locator(shot.selector).first.scroll_into_view_if_needed()
    page.wait_for_timeout(200)  # lazy images start loading once scrolled to
    top = page.locator(shot.selector).first.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    png = page.screenshot(full_page=True, clip={"x": 0, "y": max(0, top - shot.above), "width": PAGE_WIDTH,
                                                "height": shot.height})
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((OUT_WIDTH, round(shot.height * OUT_WIDTH / PAGE_WIDTH)), Image.Resampling.LANCZOS)
    path = OUT / f"{shot.name}.webp"
    for quality in (82, 74, 66, 58, 50):
        buffer = io.BytesIO()
        image.save(buffer, "WEBP", quality=quality, method=6)
        if buffer.tell() <= MAX_BYTES:
            break
    path.write_bytes(buffer.getvalue())
    print(f"• {path.relative_to(ROOT)}  {image.width}x{image.height}  {buffer.tell() // 1024} KB (quality {quality})")


if __name__ == "__main__":
    main()
