"""Publish cost stays flat as a scene grows; re-stitching with moviepy does not.

Run from the repository root: ``python bench/publish_cost.py [--length 50]``.
Builds one scene of --length segments through the real pipeline (RQ, local
renderer, ffmpeg, local storage) and prints, for segments #1, #10 and #length:

- publish cost as the issue defines it: normalize + package + publish stage
  times from the job rows (median over the five segments ending at that one,
  or the first five, to damp one-off noise), plus building the scene's
  playlist at that head (uncached);
- the continuity check stage beside it (scoring, and colour correction when a
  continuation drifts: constant per segment, and absent for segment #1);
- what re-stitching the whole branch with moviepy (re-encode) costs instead;
- the branch MP4 download (ffmpeg concat demuxer, stream copy) at that length.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _instance import bench_instance  # noqa: E402

PUBLISH_STAGES = ("normalize", "package", "publish")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--skip-moviepy", action="store_true", help="skip the slow re-encoding comparison")
    args = parser.parse_args()
    marks = sorted({1, 10, 20, args.length} & set(range(1, args.length + 1)))

    with bench_instance() as (_app, _env):
        from rq import SimpleWorker

        from app.extensions import cache, db, redis_client
        from app.models import GenerationJob, Scene
        from app.story.playback import branch_download, branch_playlist
        from app.story.writing import continue_scene
        from tests.factories import make_scene, make_user

        def run_worker():
            SimpleWorker(["generate"], connection=redis_client()).work(burst=True, with_scheduler=False)
            db.session.remove()

        user = make_user("bench")
        scene_id = make_scene(user, title="Long road", prompt="Mara sets off down the long road. Step 1.").scene.id
        run_worker()
        rows = []
        publish_costs: list[float] = []
        check_costs: list[float] = []
        for n in range(1, args.length + 1):
            scene = db.session.get(Scene, scene_id)
            if n > 1:
                continue_scene(scene, scene.owner, f"Mara keeps walking the long road. Step {n}.", scene.head_segment_id)
                run_worker()
                scene = db.session.get(Scene, scene_id)
            job = db.session.query(GenerationJob).filter_by(segment_id=scene.head_segment_id).one()
            publish_costs.append(sum(job.artifacts["timings"][s] for s in PUBLISH_STAGES))
            check_costs.append(job.artifacts["timings"]["check"])
            if n not in marks:
                continue
            cache.clear()
            started = time.perf_counter()
            branch_playlist(scene)
            playlist = time.perf_counter() - started
            started = time.perf_counter()
            branch_download(scene)
            download = time.perf_counter() - started
            moviepy = None if args.skip_moviepy else _moviepy_stitch(scene)
            rows.append((n, playlist, download, moviepy))
        # each mark's publish cost: the median of the five segments ending there (the first five for early marks)
        window = [(max(0, n - 5), max(n, 5)) for n, *_ in rows]
        rows = [(n, statistics.median(publish_costs[a:b]), statistics.median(check_costs[a:b]), *rest)
                for (n, *rest), (a, b) in zip(rows, window, strict=True)]

    base = rows[0][1] + rows[0][3]
    print(f"{'segment':>8}{'publish':>10}{'playlist':>11}{'total':>9}{'vs #1':>8}{'check':>9}{'mp4 concat':>12}"
          f"{'moviepy':>10}{'moviepy/publish':>17}")
    for n, stages, check, playlist, download, moviepy in rows:
        total = stages + playlist
        mp = f"{moviepy:>9.2f}s" if moviepy is not None else f"{'-':>10}"
        ratio = f"{moviepy / total:>16.0f}x" if moviepy is not None else f"{'-':>17}"
        print(f"{'#' + str(n):>8}{stages:>9.3f}s{playlist * 1000:>9.2f}ms{total:>8.3f}s{total / base:>7.2f}x"
              f"{check:>8.3f}s{download:>11.3f}s{mp}{ratio}")


def _moviepy_stitch(scene) -> float:
    """Seconds to re-encode the whole branch with moviepy, as a stitch-on-publish design would."""
    from moviepy import VideoFileClip, concatenate_videoclips

    from app.extensions import storage
    from app.models.paths import segment_path

    paths = [storage().local_path(s.video_key) for s in segment_path(scene.head_segment_id)]
    started = time.perf_counter()
    clips = [VideoFileClip(str(p)) for p in paths]
    try:
        out = Path(tempfile.mkdtemp()) / "stitched.mp4"
        concatenate_videoclips(clips).write_videofile(str(out), codec="libx264", audio_codec="aac", preset="veryfast",
                                                      threads=2, logger=None)
    finally:
        for clip in clips:
            clip.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
