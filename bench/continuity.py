"""A scripted 12-segment story through the local pipeline: continuity score and colour drift per segment.

Run from the repository root: ``python bench/continuity.py``. The story is written
by three users, keeps Mara and Tom in their established clothes, and moves
between places. Each row shows the segment's score, how well its first frame
joins the parent's last frame, and its colour drift (ΔE against the scene's
first segment) before and after the automatic colour correction.
"""
from __future__ import annotations

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


def main() -> None:
    with bench_instance() as (_app, _env):
        from rq import SimpleWorker

        from app.extensions import db, redis_client
        from app.models import Scene, User
        from app.story.paths import segment_path
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
    main()
