"""The user guide at /help: linked from every page, headings in order, every picture present and as described."""
import re
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

STATIC = Path(__file__).resolve().parents[2] / "static"


class _Outline(HTMLParser):
    """The page's headings (level, in order) and its images' attributes."""

    def __init__(self):
        super().__init__()
        self.headings: list[int] = []
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.images.append(dict(attrs))


def _outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def test_help_is_linked_from_header_and_footer(client):
    """Every page links to /help from its main navigation and its footer."""
    page = client.get("/").get_data(as_text=True)
    header, footer = page.split('<main id="main"')
    assert 'href="/help"' in header and 'href="/help"' in footer


def test_help_explains_scenes_forks_tree_and_bible_with_headings_in_order(client):
    """/help covers each idea under its own heading; one h1, and no heading level is skipped."""
    resp = client.get("/help")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for heading in ("Scenes and segments", "Continuing a scene", "Forks: take the story your way",
                    "The story tree", "The Scene Bible"):
        assert f">{heading}</h2>" in html
    levels = _outline(html).headings
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:], strict=False))


def test_every_help_picture_exists_with_alt_text_and_its_true_size(client):
    """Each image on /help is a file in static/ under 150 KB whose size matches its width/height attributes."""
    images = _outline(client.get("/help").get_data(as_text=True)).images
    assert len(images) >= 5
    for img in images:
        assert img["src"].startswith("/static/"), img["src"]
        path = STATIC / img["src"].removeprefix("/static/").split("?")[0]
        assert path.is_file(), f"{path} is missing: run scripts/help_screenshots.py"
        assert path.stat().st_size < 150_000, path
        assert len(img.get("alt", "")) > 20, path
        with Image.open(path) as picture:
            assert picture.size == (int(img["width"]), int(img["height"])), path
