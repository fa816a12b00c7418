"""Pictures of the pages a writer lives in — home, a scene, its story tree and its Scene Bible — at a laptop's
width (1366 px) and a phone's (390 px, touch), with axe-core's verdict on each.

Run from the repository root: ``.venv/bin/python scripts/watch_screenshots.py``. Like help_screenshots.py it
starts a throwaway instance with the demo scenes rendered in-process; the pictures (the top of each page as a
reader signed in sees it, WebP) go to ``docs/screenshots/``. It exits non-zero when axe finds a serious or
critical problem on any of them.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import help_screenshots as help_shots  # noqa: E402

OUT = ROOT / "docs/screenshots"
AXE = ROOT / "node_modules/axe-core/axe.min.js"
WIDTHS = {"1366": {"viewport": {"width": 1366, "height": 900}},
          "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}


def main() -> int:
    import os
    import shutil

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("No Chromium found: install Debian's `chromium` or set CHROMIUM_PATH.")
    problems = {}
    with help_shots.bench_instance() as (app, _env):
        fox = help_shots._render_demo()
        base = help_shots._serve(app)
        from playwright.sync_api import sync_playwright

        OUT.mkdir(parents=True, exist_ok=True)
        pages = {"home": "/", "scene": f"/scenes/{fox['scene']}", "tree": f"/stories/{fox['root']}?from={fox['scene']}",
                 "bible": f"/scenes/{fox['scene']}/bible"}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=help_shots.CHROMIUM_FLAGS)
            for width, options in WIDTHS.items():
                context = browser.new_context(color_scheme="dark", **options)
                page = context.new_page()
                _sign_in(page, base)
                for name, path in pages.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")  # lazy images below the fold never load: don't wait
                    _save(page, OUT / f"{name}-{width}.webp")
                    if found := _axe(page):
                        problems[f"{name} at {width} px"] = found
                context.close()
            browser.close()
    for where, found in problems.items():
        print(f"axe: {where}: {found}")
    print("axe: nothing serious or critical" if not problems else "axe: problems found")
    return 1 if problems else 0


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#identifier", help_shots.READER)
    page.fill("#password", help_shots.PASSWORD)
    page.click("main [type=submit]")
    page.wait_for_load_state("networkidle")


def _save(page, path: Path) -> None:
    from PIL import Image

    page.wait_for_timeout(300)
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.save(path, "WEBP", quality=70, method=6)
    print(f"• {path.relative_to(ROOT)}  {image.width}x{image.height}  {path.stat().st_size // 1024} KB")


def _axe(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']})" for v in result["violations"] if v["impact"] in ("serious", "critical")]


if __name__ == "__main__":
    raise SystemExit(main())
