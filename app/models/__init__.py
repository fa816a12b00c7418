"""Typed SQLAlchemy models, one module per domain."""
from app.models.audit import AuditEntry
from app.models.bible import BibleChange, BibleEntity
from app.models.feedback import Feedback, FeedbackNote, FeedbackStatus
from app.models.job import DirectorsCut, GenerationJob, JobStatus
from app.models.scene import Scene, Segment, SegmentStatus, Visibility
from app.models.topic import Topic, TopicRedirect
from app.models.user import ApiToken, Role, SignIn, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "BibleChange",
    "BibleEntity",
    "DirectorsCut",
    "Feedback",
    "FeedbackNote",
    "FeedbackStatus",
    "GenerationJob",
    "JobStatus",
    "Role",
    "Scene",
    "Segment",
    "SignIn",
    "SegmentStatus",
    "Topic",
    "TopicRedirect",
    "User",
    "Visibility",
]
