"""Typed SQLAlchemy models, one module per domain."""
from app.models.audit import AuditEntry
from app.models.bible import BibleChange, BibleEntity
from app.models.feedback import Feedback
from app.models.job import DirectorsCut, GenerationJob, JobStatus
from app.models.moderation import CopyrightClaim, ModerationCase, ModerationState, Report, Strike
from app.models.scene import Scene, Segment, SegmentStatus, Visibility
from app.models.topic import Topic
from app.models.user import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "BibleChange",
    "BibleEntity",
    "CopyrightClaim",
    "DirectorsCut",
    "Feedback",
    "GenerationJob",
    "JobStatus",
    "ModerationCase",
    "ModerationState",
    "Report",
    "Role",
    "Scene",
    "Segment",
    "SegmentStatus",
    "Strike",
    "Topic",
    "User",
    "Visibility",
]
