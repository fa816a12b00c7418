"""Judge the local renderer's prompt reader on the held-out prompts in tests/media/data.

Run from the repository root: ``python bench/shot_reading.py``. Prints, per field, how many of the
held-out prompts it reads right, then the prompts it misreads. The held-out file was written before
the reader and is never edited to fit it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.media.colours import parse_color  # noqa: E402
from app.providers.video.local.shot import read_shot  # noqa: E402

HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "media" / "data" / "shot_prompts_heldout.json"
FIELDS = ("time", "weather", "setting", "people", "clothing", "animals")


def main_clothing(wears: dict[str, str]) -> str | None:
    """The colour word of what covers most of a figure, as the renderer paints it."""
    for garment, colour in wears.items():
        if garment not in ("hat", "scarf", "shoes", "trousers", "jeans", "skirt"):
            return colour
    return None


def same_colour(said: str | None, expected: str | None) -> bool:
    if said is None or expected is None:
        return said is expected
    return parse_color(said) == parse_color(expected) or expected in said


def judge(entry: dict) -> dict[str, bool]:
    shot = read_shot(entry["prompt"])
    people = [p for p in shot.people if p.animal is None]
    clothing = [main_clothing(p.wears) for p in people]
    expected_clothing = [p["clothing"] for p in entry["people"]]
    return {
        "time": shot.time == entry["time"],
        "weather": shot.weather == entry["weather"],
        "setting": shot.setting == entry["setting"],
        "people": len(people) == len(entry["people"]),
        "clothing": len(clothing) == len(expected_clothing)
        and all(same_colour(s, e) for s, e in zip(clothing, expected_clothing, strict=True)),
        "animals": sorted(a.kind for a in shot.animals) == sorted(entry["animals"]),
    }


def main() -> None:
    entries = json.loads(HELD_OUT.read_text())["prompts"]
    verdicts = [judge(entry) for entry in entries]
    print(f"held-out prompts: {len(entries)}")
    print(f"{'field':<10}  {'right':>5}  {'share':>6}")
    for name in FIELDS:
        right = sum(v[name] for v in verdicts)
        print(f"{name:<10}  {right:>5}  {right / len(entries):>6.0%}")
    whole = sum(all(v.values()) for v in verdicts)
    print(f"{'all six':<10}  {whole:>5}  {whole / len(entries):>6.0%}")
    print("\nmisread:")
    for entry, verdict in zip(entries, verdicts, strict=True):
        wrong = [name for name in FIELDS if not verdict[name]]
        if wrong:
            print(f"  {', '.join(wrong)}: {entry['prompt']}")


if __name__ == "__main__":
    main()
