"""Scenes are branches over a tree of immutable segments."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import PublicIdMixin, TimestampMixin
from app.models.plan import SegmentPlan
from app.models.topic import Topic
from app.models.user import User


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class SegmentStatus(StrEnum):
    PENDING = "pending"
    GENERATING = "generating"
    READY = "ready"
    FAILED = "failed"


def is_public_now(status: str, moderation_state: str) -> bool:
    """Whether a segment in this state is shown to everyone: ready and not held, hidden or removed by moderation."""
    return status == SegmentStatus.READY and moderation_state == "clear"


class Scene(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "scenes"
    __table_args__ = (
        # listings read the newest activity first: the home page across topics, a topic page within one
        Index("ix_scenes_recent", "updated_at", "id"),
        Index("ix_scenes_topic_recent", "topic_id", "updated_at", "id"),
        Index("ix_scenes_created_at", "created_at"),  # scenes per day on the admin dashboard
        {"sqlite_autoincrement": True},  # ids are never reused while anything may still name the old row
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    #: the newest ready segment of this branch; None until the first one is ready
    head_segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segments.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    #: the segment of another scene this one was forked at (None for an original)
    forked_from_segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segments.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    #: number of ready segments on the branch (kept with the head)
    segment_count: Mapped[int] = mapped_column(Integer, default=0)
    total_duration: Mapped[float] = mapped_column(Float, default=0.0)
    #: chosen by the team: featured scenes lead the home page, newest choice first
    featured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: hidden by the team: out of every listing (home, topics, profiles); its link still opens it
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    topic: Mapped[Topic] = relationship()
    owner: Mapped[User] = relationship()
    head: Mapped[Segment | None] = relationship(foreign_keys=[head_segment_id], post_update=True)
    forked_from: Mapped[Segment | None] = relationship(foreign_keys=[forked_from_segment_id], viewonly=True)

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    def viewable_by(self, user) -> bool:
        if self.visibility != Visibility.PRIVATE:
            return True
        return self._is_owned_by(user)

    def listed_for(self, user) -> bool:
        """Whether lists (forks, story trees) show it to ``user``: public ones, and the user's own."""
        return self.visibility == Visibility.PUBLIC or self._is_owned_by(user)

    def _is_owned_by(self, user) -> bool:
        return bool(user and user.is_authenticated and (user.id == self.owner_id or user.is_moderator))


class Segment(PublicIdMixin, TimestampMixin, db.Model):
    """One generated clip. Immutable once ready; its media lives under ``media_prefix``."""

    __tablename__ = "segments"
    __table_args__ = (
        UniqueConstraint("scene_id", "position"),
        # segments and writers per day on the admin dashboard, read from the index alone
        Index("ix_segments_created_at", "created_at", "author_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SegmentStatus.PENDING.value)
    prompt: Mapped[str] = mapped_column(Text)
    expanded_prompt: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    fps: Mapped[int] = mapped_column(Integer)
    media_prefix: Mapped[str] = mapped_column(String(128), default="")
    video_key: Mapped[str | None] = mapped_column(String(255))
    poster_key: Mapped[str | None] = mapped_column(String(255))
    thumb_key: Mapped[str | None] = mapped_column(String(255))
    playlist_key: Mapped[str | None] = mapped_column(String(255))
    #: the packaged HLS media playlist: {"target": int, "map": uri | None, "parts": [[seconds, uri], ...]}
    hls: Mapped[dict | None] = mapped_column(JSON)
    #: the continuity score after generation (0..1) and its parts, see app.continuity.scoring
    continuity_score: Mapped[float | None] = mapped_column(Float)
    continuity: Mapped[dict | None] = mapped_column(JSON)
    #: what the plan stage decided (links, injected entries, warnings), shown on the page; read it as ``planned``
    plan: Mapped[dict | None] = mapped_column(JSON)
    #: clear, held, hidden or removed (app.models.moderation.ModerationState); only clear is public
    moderation_state: Mapped[str] = mapped_column(String(16), default="clear", server_default="clear")
    #: the post-generation check: scores per classifier, the frames that crossed a threshold, the verdict
    moderation: Mapped[dict | None] = mapped_column(JSON)

    scene: Mapped[Scene] = relationship(foreign_keys=[scene_id])
    author: Mapped[User] = relationship()
    parent: Mapped[Segment | None] = relationship(remote_side=[id])

    @property
    def is_ready(self) -> bool:
        return self.status == SegmentStatus.READY

    @property
    def is_removed(self) -> bool:
        return self.moderation_state == "removed"

    @property
    def is_public_now(self) -> bool:
        """Ready and not held, hidden or removed by moderation."""
        return is_public_now(self.status, self.moderation_state)

    @property
    def planned(self) -> SegmentPlan:
        """``plan`` read as a SegmentPlan (empty before anything was planned)."""
        return SegmentPlan.from_json(self.plan)
