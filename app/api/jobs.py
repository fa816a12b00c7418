"""Generation jobs and the segments they write: a job's progress, retrying or discarding a segment."""
from __future__ import annotations

from app.api import bp
from app.api import schemas as s
from app.api.auth import api_user
from app.api.spec import WRITES, answer, operation
from app.story import access, writing


@bp.get("/jobs/<job:job_ref>")
@operation("A generation job's status, stage, progress and error", responses={200: s.JobOut}, tags=("jobs",))
def get_job(job_ref: str):
    return answer(s.JobOut, access.visible_job(job_ref, api_user()).to_json())


@bp.post("/segments/<segment:segment_ref>/retry")
@operation("Start a failed segment again from its last completed stage", signed_in=True,
           responses={202: s.JobAnswer, **WRITES}, tags=("segments",))
def retry_segment(segment_ref: str):
    job = writing.retry_segment(access.visible_segment(segment_ref, api_user()), api_user())
    return answer(s.JobAnswer, {"job": job.to_json()}, 202)


@bp.delete("/segments/<segment:segment_ref>")
@operation("Discard a failed or unfinished segment, releasing its place", signed_in=True,
           responses={204: None, **WRITES}, tags=("segments",))
def discard_segment(segment_ref: str):
    writing.discard_segment(access.visible_segment(segment_ref, api_user()), api_user())
    return "", 204
