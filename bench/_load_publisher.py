"""Segments published every few seconds without rendering, for bench/load.py (``--publish-every``).

A real generation costs the render worker about 3.5 CPU-seconds (bench/README.md), so on the load test's two
cores the writers publish a segment every 10–60 s, not every few seconds. What readers feel of a publish is
its commits: a new segment on a scene (its story tree's pages move on), then the segment ready and the scene's
head advanced (the tree, the scene's topic, home and the listings move on). This process makes those two
commits through the app's own session, so the cache versions move exactly as they do for a real one, on one
of the 200 most recently updated public scenes every ``--every`` seconds. The new segment plays its parent's
video (as every scale-world segment plays one of a few shared clips) and its job ends as succeeded, so the
load test counts it as published.

    python bench/_load_publisher.py --every 3 [--pending 1.5]

It runs with the site's environment (bench/_load_site.py starts it) until it is stopped; a SIGTERM lets the
segment in flight be published first, so no run leaves one pending in the world.
"""
from __future__ import annotations

import argparse
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import exists, select  # noqa: E402

from app.extensions import db  # noqa: E402
from app.generation.stages import publish_segment  # noqa: E402
from app.models import GenerationJob, Scene, Segment  # noqa: E402
from app.models.base import utcnow  # noqa: E402
from app.models.job import JobStatus  # noqa: E402
from app.models.scene import SegmentStatus, Visibility  # noqa: E402
from app.seeding.clips import SHARED_FIELDS  # noqa: E402

PROMPTS = ("The wind picks up and the lanterns sway.", "A door creaks open at the end of the hall.",
           "Rain begins to fall on the empty square.", "Someone laughs somewhere out of sight.")


def _pick(rng: random.Random) -> Scene | None:
    """One of the 200 most recently updated public scenes whose head is its newest segment (nothing in flight)."""
    in_flight = exists().where(Segment.scene_id == Scene.id, Segment.status != SegmentStatus.READY.value,
                               Segment.status != SegmentStatus.FAILED.value)
    recent = db.session.scalars(select(Scene).where(Scene.visibility == Visibility.PUBLIC.value,
                                                    Scene.head_segment_id.is_not(None), ~in_flight)
                                .order_by(Scene.updated_at.desc()).limit(200)).all()
    return rng.choice(recent) if recent else None


def publish_one(rng: random.Random, pending: float) -> bool:
    """Start a segment on a recent scene (one commit), wait ``pending`` seconds, publish it (a second commit)."""
    scene = _pick(rng)
    if scene is None:
        return False
    head = scene.head
    segment = Segment(scene_id=scene.id, parent_id=head.id, position=head.position + 1, author_id=scene.owner_id,
                      prompt=rng.choice(PROMPTS), provider=head.provider, seed=rng.randrange(2**31), width=head.width,
                      height=head.height, fps=head.fps, status=SegmentStatus.PENDING.value)
    db.session.add(segment)
    db.session.flush()
    job = GenerationJob(segment_id=segment.id, user_id=scene.owner_id, provider=head.provider, artifacts={},
                        status=JobStatus.RUNNING.value, started_at=utcnow())
    db.session.add(job)
    db.session.commit()
    time.sleep(pending)
    for name in SHARED_FIELDS:
        if name != "provider":
            setattr(segment, name, getattr(head, name))
    publish_segment(scene, segment)
    job.status, job.stage, job.progress, job.finished_at = JobStatus.SUCCEEDED.value, "publish", 100, utcnow()
    db.session.commit()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=3.0, help="seconds between publishes")
    parser.add_argument("--pending", type=float, default=1.5, help="seconds a segment is in flight before it is ready")
    args = parser.parse_args()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    from wsgi import app

    rng = random.Random()
    with app.app_context():
        published = 0
        while not stopping:
            started = time.monotonic()
            published += publish_one(rng, args.pending)
            db.session.remove()
            print(f"published {published}", flush=True)
            while not stopping and time.monotonic() - started < args.every:
                time.sleep(0.1)


if __name__ == "__main__":
    main()
