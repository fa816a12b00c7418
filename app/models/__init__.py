"""Typed SQLAlchemy models, one module per domain."""
from app.models.audit import AuditEntry
from app.models.bible import BibleChange, BibleEntity
from app.models.feedback import Feedback, FeedbackNote, FeedbackStatus
from app.models.job import DirectorsCut, GenerationJob, JobStatus
from app.models.moderation import CopyrightClaim, ModerationCase, ModerationState, Report, Strike
from app.models.scene import Scene, Segment, SegmentStatus, Visibility
from app.models.topic import Topic, TopicRedirect
from app.models.user import ApiToken, Role, SignIn, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "BibleChange",
    "BibleEntity",
    "CopyrightClaim",
    "DirectorsCut",
    "Feedback",
    "FeedbackNote",
    "FeedbackStatus",
    "GenerationJob",
    "JobStatus",
    "ModerationCase",
    "ModerationState",
    "Report",
    "Role",
    "Scene",
    "Segment",
    "SignIn",
    "SegmentStatus",
    "Strike",
    "Topic",
    "TopicRedirect",
    "User",
    "Visibility",
]
