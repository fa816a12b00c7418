"""The continuity check judged on the prose corpus, its latency, and a scripted story through the pipeline.

Run from the repository root:

``python bench/continuity.py`` — for ``tests/continuity/corpus/heldout.toml`` and
``development.toml``: contradictions refused naming the right entity, false errors on
consistent prompts, style warnings raised, extraction precision/recall/F1 of the setup
facts; the same for the earlier hand-written grammar; the check's latency (p50/p95) on a
40-entity Bible; the process's memory with the pipeline loaded.

``python bench/continuity.py story`` — a scripted 12-segment story through the local
pipeline, written by three users, keeping Mara and Tom in their established clothes and
moving between places. Each row shows the segment's score, how well its first frame
joins the parent's last frame, and its colour drift (ΔE against the scene's first
segment) before and after the automatic colour correction.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _instance import bench_instance  # noqa: E402

STORY = [
    "Mara, in a red coat, waits at Harbor Street at dusk.",
    "Tom, in a black hat, walks up to Mara with a brass lantern.",
    "Mara takes the lantern from Tom.",
    "Fog rolls over Harbor Street as they talk.",
    "Mara and Tom walk to the Old Lighthouse.",
    "At the Old Lighthouse, Tom lights the lantern.",
    "Mara climbs the stairs while Tom keeps watch.",
    "Later, Mara and Tom arrive at the Night Market.",
    "Mara buys bread while Tom counts coins.",
    "Rain starts to fall on the Night Market.",
    "Mara and Tom run back to Harbor Street.",
    "Mara waves goodbye to Tom at dusk.",
]


CORPUS = Path(__file__).resolve().parent.parent / "tests" / "continuity" / "corpus"

#: continuations checked against the 40-entity Bible (each parsed afresh)
LATENCY_PROMPTS = [
    "Character {n}, in a red coat, walks to Place 2 and meets Character {m}.",
    "Character {n} takes off her grey scarf and hands it to Character {m}.",
    "Later, at Place 3, Character {n} changes into a green jacket while Character {m} waits by the lantern.",
    "Character {n}, whose hair is silver, laughs at Character {m}'s joke.",
    "Character {m} buys a blue hat for her brother and Character {n} watches.",
    "She pushes back her long black hair and opens the old map.",
]


def _forty_entity_bible():
    from app.continuity import Change, fold

    changes = [Change.create(1, "S1", "style", "Ink"), Change.set_attribute(1, "S1", "look", "black and white")]
    colours = ["red", "blue", "green", "black", "grey", "brown"]
    for n in range(1, 31):
        changes += [Change.create(n, f"C{n}", "character", f"Character {n}"),
                    Change.set_attribute(n, f"C{n}", "hair", colours[n % 6]),
                    Change.set_attribute(n, f"C{n}", "coat", f"{colours[(n + 1) % 6]} wool"),
                    Change.set_attribute(n, f"C{n}", "scarf", colours[(n + 2) % 6])]
    changes += [Change.create(31 + n, f"L{n}", "location", f"Place {n}") for n in range(1, 6)]
    changes += [Change.create(36 + n, f"P{n}", "prop", name) for n, name in enumerate(("lantern", "map", "key", "ring"), 1)]
    return fold(changes)


def _memory_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reading() -> None:
    before = _memory_mb()
    from app.continuity import check_prompt, corpus, language
    from app.continuity.check import CheckResult
    from app.continuity.grammar import read_by_grammar

    started = time.perf_counter()
    language.parse("Warm up.")
    loaded = time.perf_counter() - started
    print(f"pipeline {language.model_name()} loaded in {loaded:.2f} s; "
          f"process memory {before:.0f} MB before, {_memory_mb():.0f} MB with it loaded\n")

    def by_grammar(bible, prompt, **options) -> CheckResult:
        from app.continuity import check as check_module

        original = check_module.read_prompt
        check_module.read_prompt = read_by_grammar
        try:
            return check_prompt(bible, prompt, **options)
        finally:
            check_module.read_prompt = original

    print(f"{'file':<16} {'reading':<8} {'checks':>6} {'caught':>14} {'false errors':>14} {'warned':>10} "
          f"{'precision':>9} {'recall':>7} {'F1':>6}")
    for name in ("heldout.toml", "development.toml"):
        stories = corpus.load(CORPUS / name)
        for label, check in (("parse", check_prompt), ("grammar", by_grammar)):
            score = corpus.run(stories, check)
            errors, fine, warns = score.of("error"), score.of("pass") + score.of("warn"), score.of("warn")
            caught = f"{sum(o.ok for o in errors)}/{len(errors)} {score.caught:.0%}"
            false = f"{sum(o.got == 'error' for o in fine)}/{len(fine)} {score.false_errors:.0%}"
            warned = f"{sum(o.ok for o in warns)}/{len(warns)}"
            print(f"{name:<16} {label:<8} {len(score.outcomes):>6} {caught:>14} {false:>14} {warned:>10} "
                  f"{score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f}")

    bible = _forty_entity_bible()
    timings, cpu = [], []
    for round_no in range(40):
        for index, template in enumerate(LATENCY_PROMPTS):
            prompt = template.format(n=1 + (round_no + index) % 30, m=1 + (round_no * 7 + index) % 30)
            language.parse.cache_clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            check_prompt(bible, prompt, segment_id=100, parent_segment_id=99, previous_entities=["S1", "L1", "C1"])
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)

    def centiles(values: list[float]) -> str:
        values = sorted(values)
        return f"p50 {values[len(values) // 2]:.1f} ms, p95 {values[int(len(values) * 0.95)]:.1f} ms"

    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"\ncheck latency, {len(bible.entities)}-entity Bible, {len(timings)} prompts parsed afresh "
          f"(load average {load} on {os.cpu_count()} cores):")
    print(f"  wall {centiles(timings)}; CPU {centiles(cpu)}")


def story() -> None:
    with bench_instance() as (_app, _env):
        from rq import SimpleWorker

        from app.extensions import db, redis_client
        from app.models import Scene, User
        from app.models.paths import segment_path
        from app.story.writing import continue_scene
        from tests.factories import make_scene, make_user

        def run_worker():
            SimpleWorker(["generate"], connection=redis_client()).work(burst=True, with_scheduler=False)
            db.session.remove()

        user_ids = [make_user(name).id for name in ("mara_w", "tom_w", "ines_w")]
        started = time.perf_counter()
        scene_id = make_scene(db.session.get(User, user_ids[0]), title="Harbour story", prompt=STORY[0]).scene.id
        run_worker()
        for i, prompt in enumerate(STORY[1:], start=1):
            scene = db.session.get(Scene, scene_id)
            author = db.session.get(User, user_ids[i % 3])
            continue_scene(scene, author, prompt, scene.head_segment_id)
            run_worker()
        elapsed = time.perf_counter() - started
        path = segment_path(db.session.get(Scene, scene_id).head_segment_id)

        print(f"{'#':>3} {'score':>6} {'join':>6} {'drift before':>13} {'drift after':>12} {'corrected':>10}  prompt")
        befores, afters = [], []
        for s in path:
            before, after = s.continuity["before"], s.continuity["after"]
            join = after["first_frame_similarity"]
            b, a = before["colour_drift"], after["colour_drift"]
            if b is not None:
                befores.append(b)
                afters.append(a)
            join_text = "-" if join is None else f"{join:.2f}"
            print(f"{s.position:>3} {s.continuity_score:>6.2f} {join_text:>6} "
                  f"{'-' if b is None else f'{b:.1f}':>13} {'-' if a is None else f'{a:.1f}':>12} "
                  f"{'yes' if after['corrected'] else 'no':>10}  {s.prompt[:50]}")
        print(f"\nmean score {statistics.mean(s.continuity_score for s in path):.2f}; "
              f"mean drift {statistics.mean(befores):.1f} ΔE without correction, {statistics.mean(afters):.1f} with; "
              f"{len(path)} segments in {elapsed:.1f} s")


if __name__ == "__main__":
    story() if sys.argv[1:] == ["story"] else reading()
