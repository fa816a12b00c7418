"""A story tree: every segment grown from one root, and the scenes (branches) that run through it."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Scene, Segment, SegmentStatus
from app.models.paths import segment_walk
from app.story.access import NotFound, visible_scene

LANE_HEIGHT = 56
STEP_WIDTH = 64
MARGIN = 32
#: a generous average advance of the label font (13 px), so a whole label fits before the page measures it
LABEL_CHAR_WIDTH = 8


@dataclass
class Branch:
    scene: Scene
    segment_ids: list[int]
    lane: int = 0
    original: bool = False


@dataclass
class StoryTree:
    root: Segment
    segments: dict[int, Segment]
    branches: list[Branch]
    #: segment id → (x, y) in the drawing, and the branch that first reaches it
    layout: dict[int, tuple[int, int]] = field(default_factory=dict)
    owner_of: dict[int, Branch] = field(default_factory=dict)

    @property
    def width(self) -> int:
        """Wide enough for the deepest node and every whole label (the page trims it to the measured text)."""
        nodes = MARGIN * 2 + STEP_WIDTH * max((s.position for s in self.segments.values()), default=1)
        labels = (self.label_anchor(b)[0][0] + LABEL_CHAR_WIDTH * len(label_text(b)) + MARGIN for b in self.branches)
        return max(nodes, *labels) if self.branches else nodes

    @property
    def height(self) -> int:
        return MARGIN * 2 + LANE_HEIGHT * max(len(self.branches), 1)

    def label_anchor(self, branch: Branch) -> tuple[tuple[int, int], tuple[int, int]]:
        """Where the branch's label goes (beside its last node, on its own lane) and that node's centre.

        A fork with no segments of its own yet has its last node on another lane; the drawing links the
        two with a dashed line so every label keeps a lane to itself.
        """
        last = self.layout[branch.segment_ids[-1]]
        return (last[0] + 22, MARGIN + LANE_HEIGHT * branch.lane), last


def label_text(branch: Branch) -> str:
    """A branch's label in the drawing: its whole title (never cut, so two forks never read alike) and its writer."""
    count = len(branch.segment_ids)
    return (f"{'★ ' if branch.original else ''}{branch.scene.title} — {branch.scene.owner.username} · "
            f"{count} segment{'' if count == 1 else 's'}")


def story_tree(root: Segment | None, viewer, came_from: Scene | None = None) -> StoryTree | None:
    """The tree under segment ``root`` as ``viewer`` may see it (None when there is no root or nothing to show).

    Branches shown: the public ones, the viewer's own, and ``came_from`` (the scene the viewer followed the
    link from, which they may see); unlisted branches stay out of the drawing for everyone else.
    """
    if root is None or root.parent_id is not None:
        return None
    down = segment_walk(root.id, "down", "tree")
    segments = {s.id: s for s in db.session.scalars(
        select(Segment).where(Segment.id.in_(select(down.c.id)), Segment.status == SegmentStatus.READY)
        .options(selectinload(Segment.author)))}
    scenes = db.session.scalars(
        select(Scene).where(Scene.head_segment_id.in_(list(segments))).options(selectinload(Scene.owner))
        .order_by(Scene.created_at, Scene.id))
    visible = [s for s in scenes if s.listed_for(viewer) or (came_from is not None and s.id == came_from.id)]
    if not visible:
        return None
    branches = []
    for scene in visible:
        ids, node = [], segments.get(scene.head_segment_id)
        while node is not None:
            ids.append(node.id)
            node = segments.get(node.parent_id) if node.parent_id else None
        branches.append(Branch(scene, list(reversed(ids)), original=scene.forked_from_segment_id is None))
    tree = StoryTree(root, segments, branches)
    _lay_out(tree)
    return tree


def _lay_out(tree: StoryTree) -> None:
    """Originals first, then forks by age; each branch draws the segments no earlier branch drew, on its lane."""
    tree.branches.sort(key=lambda b: (not b.original, b.scene.created_at, b.scene.id))
    for lane, branch in enumerate(tree.branches):
        branch.lane = lane
        for segment_id in branch.segment_ids:
            if segment_id not in tree.layout:
                position = tree.segments[segment_id].position
                tree.layout[segment_id] = (MARGIN + STEP_WIDTH * (position - 1), MARGIN + LANE_HEIGHT * lane)
                tree.owner_of[segment_id] = branch


def tree_json(tree: StoryTree) -> dict:
    """The tree for the API; scenes and segments are named by their public ids."""
    def public(segment_id: int | None) -> str | None:
        segment = tree.segments.get(segment_id) if segment_id is not None else None
        return segment.public_id if segment else None

    return {
        "root_segment_id": tree.root.public_id,
        "segments": [{"id": s.public_id, "parent_id": public(s.parent_id), "position": s.position,
                      "author": s.author.username, "duration": s.duration}
                     for s in sorted(tree.segments.values(), key=lambda s: (s.position, s.id)) if s.id in tree.layout],
        "branches": [{"scene_id": b.scene.public_id, "title": b.scene.title, "owner": b.scene.owner.username,
                      "original": b.original, "segment_count": len(b.segment_ids),
                      "segment_ids": [public(i) for i in b.segment_ids],
                      "forked_from_segment_id": public(b.scene.forked_from_segment_id),
                      "last_activity": b.scene.updated_at.isoformat()} for b in tree.branches],
    }


def start_time(branch: Branch, segment_id: int, segments: dict[int, Segment]) -> float:
    """Where ``segment_id`` starts when ``branch`` plays from the beginning."""
    total = 0.0
    for sid in branch.segment_ids:
        if sid == segment_id:
            break
        total += segments[sid].duration or 0.0
    return round(total, 3)


def came_from(ref: str | None, viewer) -> Scene | None:
    """The scene named by ``?from=`` (the branch the reader followed the link from), when they may see it."""
    if not ref:
        return None
    try:
        return visible_scene(ref, viewer)
    except NotFound:
        return None


def shown_to_readers(ref: str | None) -> str | None:
    """``?from=`` as a signed-out reader's page depends on it: the scene's public id when they may see it."""
    from flask_login import current_user

    scene = came_from(ref, current_user)
    return scene.public_id if scene else None
