"""The eight stages of a segment's generation, each a function of the run's context.

Every stage is safe to run again: a resumed job repeats at most the stage it was in,
and the render stage reuses the provider task id stored on the job row.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm.attributes import flag_modified

from app.continuity import scoring
from app.continuity.store import check_continuation, declared_of, plan_record, record_changes
from app.generation.context import RunContext, StageFailed
from app.media import frames, hls
from app.media.normalize import normalize as normalize_clip
from app.media.probe import probe
from app.models import Scene, Segment, SegmentStatus
from app.models.base import utcnow
from app.models.paths import segment_path
from app.moderation.prompt_filter import configured_filter
from app.providers.errors import ProviderError
from app.providers.factory import reference_frame_url
from app.providers.video.base import RenderRequest


def moderate(ctx: RunContext) -> None:
    verdict = configured_filter().check(ctx.segment.prompt)
    if not verdict.allowed:
        raise StageFailed("prompt_refused", verdict.reason)


def plan(ctx: RunContext) -> None:
    """Link mentions to the Scene Bible, check its rules, and expand the prompt with the injected entries."""
    segment = ctx.segment
    result = check_continuation(segment.parent, segment.prompt, declared_of(segment))
    if result.errors:  # checked at submit too; the Bible may have been corrected since
        raise StageFailed("continuity", result.errors[0].message)
    expansion = ctx.expander.expand(segment.prompt, {
        "injected": list(result.lines),
        "style": None,
        "location": None,
        "previous_prompt": segment.parent.prompt if segment.parent else None,
    })
    segment.expanded_prompt = expansion.expanded_prompt
    # the page and API show which expander wrote the prompt, and why it fell back when it did
    segment.plan = replace(plan_record(result, segment), expander=expansion.expander or ctx.expander.name,
                           expander_fallback=expansion.fallback_reason or None).to_json()


def reference(ctx: RunContext) -> None:
    """The parent's last frame, the first frame of this segment's render."""
    parent = ctx.segment.parent
    if parent is None:
        return
    key = f"{parent.media_prefix}last.jpg"
    if not ctx.storage.exists(key):
        ctx.storage.put(key, frames.last_frame(ctx.local_copy(parent.video_key)), "image/jpeg")
    ctx.artifacts["reference_key"] = key


#: why a create whose answer never came is not sent again
UNCERTAIN_SUBMIT = (
    "We asked {provider} to render this segment but never heard back, so it may have started a render "
    "(and charged for it) that we cannot follow. Check your {provider} usage; retrying the segment starts a new render."
)


def render(ctx: RunContext) -> None:
    """Submit (once), follow and download the provider's render."""
    segment = ctx.segment
    first_frame, first_frame_url = None, None
    if key := ctx.artifacts.get("reference_key"):
        first_frame = ctx.storage.read_bytes(key)
        first_frame_url = reference_frame_url(ctx.config, ctx.storage, key)
    request = RenderRequest(
        prompt=segment.expanded_prompt or segment.prompt,
        seed=segment.seed,
        duration=segment.duration or ctx.config["SEGMENT_SECONDS"],
        width=segment.width,
        height=segment.height,
        fps=segment.fps,
        first_frame=first_frame,
        first_frame_url=first_frame_url,
        bible=segment.planned.bible or {},
    )
    job = ctx.job
    if not job.provider_task_id:
        _submit(ctx, request)
    ctx.report(0.0, "waiting for the renderer")
    result = ctx.provider.wait(job.provider_task_id, request, ctx.report)
    ctx.report(1.0, "downloading the video")  # a superseded or cancelled run stops here, before downloading
    raw = ctx.work_dir / "raw.mp4"
    ctx.provider.fetch(result, raw, ctx.report)
    ctx.artifacts["raw_path"] = str(raw)


def _submit(ctx: RunContext, request: RenderRequest) -> None:
    """Create the provider task and store its id before anything else.

    A create is marked on the row before it is sent. Finding the mark without a task id means an
    earlier create may have reached the provider without its answer reaching us (a timeout, a killed
    worker); that create is not sent again, because a second one could be a second paid render.
    """
    job, provider = ctx.job, ctx.provider
    uncertain = UNCERTAIN_SUBMIT.format(provider=getattr(provider, "label", provider.name))
    if ctx.artifacts.get("submitting") and not provider.start_is_idempotent:
        raise StageFailed("submit_uncertain", uncertain)
    ctx.artifacts["submitting"] = utcnow().isoformat()
    flag_modified(job, "artifacts")
    ctx.commit()
    try:
        task_id = provider.start(request)
    except ProviderError as err:
        if err.code == "submit_uncertain":
            raise StageFailed("submit_uncertain", uncertain) from err
        ctx.artifacts.pop("submitting", None)  # the provider answered, so no task was made
        flag_modified(job, "artifacts")
        ctx.commit()
        raise
    ctx.task_id = job.provider_task_id = task_id
    ctx.artifacts.pop("submitting", None)
    flag_modified(job, "artifacts")
    ctx.commit()  # stored before polling: a resumed job never creates a second task


def normalize(ctx: RunContext) -> None:
    """Re-encode to the house format and store it."""
    raw = Path(ctx.artifacts.get("raw_path", ""))
    if not raw.is_file():
        render(ctx)  # the work dir was lost (another machine, a cleanup): fetch the task's output again
        raw = Path(ctx.artifacts["raw_path"])
    segment = ctx.segment
    out = ctx.work_dir / "video.mp4"
    ctx.report(0.0, "converting to the house format")
    normalize_clip(raw, out, width=segment.width, height=segment.height, fps=segment.fps, preset=ctx.config["X264_PRESET"])
    segment.media_prefix = f"segments/{segment.public_id}/"  # a public id: nobody finds media by counting
    segment.video_key = f"{segment.media_prefix}video.mp4"
    ctx.storage.put_file(segment.video_key, out, "video/mp4")
    segment.duration = round(probe(out).duration, 3)


def check(ctx: RunContext) -> None:
    """The stored clip is what we promise: H.264 at the segment's size, with audio, non-empty."""
    segment = ctx.segment
    info = probe(ctx.local_copy(segment.video_key))
    problems = []
    if info.video_codec != "h264":
        problems.append(f"codec {info.video_codec}")
    if (info.width, info.height) != (segment.width, segment.height):
        problems.append(f"size {info.width}x{info.height}")
    if info.duration < 0.5:
        problems.append(f"duration {info.duration:.2f} s")
    if problems:
        raise StageFailed("bad_output", "The rendered video failed its checks (" + ", ".join(problems) + "). Retry it.")
    ctx.artifacts["checks"] = {"codec": info.video_codec, "width": info.width, "height": info.height,
                               "duration": round(info.duration, 3), "audio": info.audio_codec}
    score_continuity(ctx, info.duration)


def score_continuity(ctx: RunContext, duration: float) -> None:
    """Score the clip against its parent's last frame and the scene's first segment; colour-correct drift."""
    segment = ctx.segment
    video = ctx.local_copy(segment.video_key)
    parent_last = ctx.storage.read_bytes(ctx.artifacts["reference_key"]) if ctx.artifacts.get("reference_key") else None
    root = segment_path(segment.parent_id)[0] if segment.parent_id else None
    scene_first = ctx.storage.read_bytes(root.poster_key) if root and root.poster_key else None
    bible = segment.planned.bible or {}
    entities = (bible.get("characters") or []) + (bible.get("props") or [])
    threshold = ctx.config["CONTINUITY_DRIFT_THRESHOLD"]

    def measure(path):
        # scored on the frame at three quarters; the correction is fitted on the middle one, so the
        # drift after correcting is measured on a frame the correction did not see
        unseen = frames.poster(path, ctx.work_dir / "scored.jpg", at=duration * 3 / 4).read_bytes()
        score = scoring.score_segment(first_frame=frames.first_frame(path), middle_frame=unseen,
                                      parent_last_frame=parent_last, scene_first_frame=scene_first,
                                      entities=entities, drift_threshold=threshold)
        return score

    score = measure(video)
    record = {"before": score.to_dict()}
    here = segment.planned.location_id
    before = segment.parent.planned.location_id if segment.parent else None
    withheld = scoring.correction_withheld(segment.prompt, here, before)
    if withheld:
        record["not_corrected"] = withheld
    if score.flagged and scene_first and ctx.config["CONTINUITY_CORRECT"] and not withheld:
        middle = frames.poster(video, ctx.work_dir / "middle.jpg", at=duration / 2).read_bytes()
        corrected = scoring.colour_match(video, ctx.work_dir / "corrected.mp4", reference_frame=scene_first,
                                         sample_frame=middle, preset=ctx.config["X264_PRESET"])
        ctx.storage.put_file(segment.video_key, corrected, "video/mp4")
        score = replace(measure(corrected), corrected=True)
    record["after"] = score.to_dict()
    segment.continuity = record
    # a scene's first segment continues nothing: it has no continuity score, and scene averages leave it out
    segment.continuity_score = round(score.score, 4) if segment.parent_id else None


def review(ctx: RunContext) -> None:
    """Post-generation moderation: the clip's frames and the prompts against the content policy."""
    from app.moderation.gate import SegmentBlocked, check_segment, refuse_if_blocked

    segment = ctx.segment
    try:
        refuse_if_blocked(segment)
        check_segment(segment, ctx.local_copy(segment.video_key), ctx.work_dir / "review", ctx.storage, ctx.config,
                      configured_filter(), on_progress=ctx.report)
    except SegmentBlocked as blocked:
        ctx.commit()  # the scores and the reason outlive the failure that follows
        raise StageFailed("moderation_blocked", blocked.message) from blocked


def package(ctx: RunContext) -> None:
    """HLS parts, poster, thumbnail and last frame, uploaded under the segment's prefix."""
    segment = ctx.segment
    video = ctx.local_copy(segment.video_key)
    out = ctx.work_dir / "hls"
    shutil.rmtree(out, ignore_errors=True)
    playlist = hls.package_hls(video, out, fmt=ctx.config["HLS_FORMAT"])
    for path in sorted(out.iterdir()):
        ctx.storage.put_file(f"{segment.media_prefix}hls/{path.name}", path)
    segment.playlist_key = f"{segment.media_prefix}hls/{playlist.name}"
    parsed = hls.parse_media_playlist(playlist.read_text())
    segment.hls = {"target": parsed.target_duration, "map": parsed.map_uri,
                   "parts": [[part.duration, part.uri] for part in parsed.segments]}
    poster = frames.poster(video, ctx.work_dir / "poster.jpg")
    thumb = frames.thumbnail(video, ctx.work_dir / "thumb.jpg")
    segment.poster_key = f"{segment.media_prefix}poster.jpg"
    segment.thumb_key = f"{segment.media_prefix}thumb.jpg"
    ctx.storage.put_file(segment.poster_key, poster, "image/jpeg")
    ctx.storage.put_file(segment.thumb_key, thumb, "image/jpeg")
    ctx.storage.put(f"{segment.media_prefix}last.jpg", frames.last_frame(video), "image/jpeg")


def publish_segment(scene: Scene, segment: Segment) -> None:
    """Mark ``segment`` ready, record its planned Bible changes and, if it continues the head, advance the head."""
    segment.status = SegmentStatus.READY.value
    record_changes(segment)
    if scene.head_segment_id == segment.parent_id:
        scene.head_segment_id = segment.id
        scene.segment_count = segment.position
        scene.total_duration = round((scene.total_duration or 0.0) + (segment.duration or 0.0), 3)
        scene.updated_at = utcnow()


def publish(ctx: RunContext) -> None:
    """Publish the segment (in the same transaction as the job's end)."""
    publish_segment(ctx.scene, ctx.segment)


STAGES = [
    ("moderate", moderate, "checking the prompt", 0, 2),
    ("plan", plan, "planning the shot", 2, 6),
    ("reference", reference, "picking up where the last segment ended", 6, 8),
    ("render", render, "rendering", 8, 80),
    ("normalize", normalize, "converting to the house format", 80, 88),
    ("check", check, "checking the result", 88, 90),
    ("review", review, "checking the content", 90, 92),
    ("package", package, "packaging for streaming", 92, 98),
    ("publish", publish, "publishing", 98, 100),
]
STAGE_NAMES = [name for name, *_ in STAGES]
