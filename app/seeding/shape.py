"""The shape of a scale world: how long each scene is, where forks branch, who wrote what, which Bible it has.

Pure data, no database. Scenes and segments are numbered by offset in creation order
(the builder adds the first free id), and every segment's parent has a smaller offset,
so rows can be inserted in order in bulk.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from app.seeding import words

#: how long the few very long scenes are (capped to a share of small worlds)
LONG_SCENE_SEGMENTS = 200
#: one very long scene per this many scenes (at least one)
SCENES_PER_LONG_SCENE = 5000
#: one popular story (it draws half of all forks) per this many scenes (at least three)
SCENES_PER_POPULAR_STORY = 1000
FORK_SHARE = 0.2
#: forks nobody continued: the scene ends at its fork point (what fork_at alone makes)
BARE_FORK_SHARE = 0.05
POPULAR_SHARE_OF_FORKS = 0.5
BIBLE_SHARE = 0.25
OWNER_WRITES_SHARE = 0.7
YEAR = 365 * 86400.0


class WorldTooSmall(ValueError):
    """The requested numbers can't make a consistent world (e.g. fewer segments than scenes)."""


@dataclass(frozen=True)
class WorldSize:
    users: int
    scenes: int
    segments: int

    def check(self) -> None:
        if self.users < 1 or self.scenes < 1:
            raise WorldTooSmall("Ask for at least one user and one scene.")
        if self.segments < self.scenes:
            raise WorldTooSmall(f"Ask for at least as many segments as scenes ({self.scenes}); "
                                f"every scene but a few bare forks has a segment of its own.")


@dataclass(frozen=True)
class BibleRow:
    """One Bible change at a segment; ``creates`` also gives out the id in its story tree."""

    segment: int
    entity_id: str
    op: str
    key: str
    value: str

    @property
    def creates(self) -> bool:
        return self.op == "create"


@dataclass
class World:
    size: WorldSize
    # per scene, by offset
    owner: list[int] = field(default_factory=list)
    topic: list[int] = field(default_factory=list)
    visibility: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    fork_point: list[int] = field(default_factory=list)  # segment offset, -1 for an original
    head: list[int] = field(default_factory=list)
    started: list[float] = field(default_factory=list)  # seconds before now
    # per segment, by offset
    scene: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)  # -1 for a story's first segment
    position: list[int] = field(default_factory=list)
    author: list[int] = field(default_factory=list)
    age: list[float] = field(default_factory=list)  # seconds before now
    prompt: list[str] = field(default_factory=list)
    linked: dict[int, list[str]] = field(default_factory=dict)  # entity ids present, for Bible trees
    bible: list[BibleRow] = field(default_factory=list)
    root_of: dict[int, int] = field(default_factory=dict)  # segment offset → its story's root (Bible rows only)
    long_scenes: list[int] = field(default_factory=list)
    popular_scenes: list[int] = field(default_factory=list)

    def updated(self, scene: int) -> float:
        """Seconds before now of the scene's last activity (its head, or its fork for a bare fork)."""
        head = self.head[scene]
        return self.age[head] if self.scene[head] == scene else self.started[scene]


def plan_world(size: WorldSize, topics: int, rng: random.Random) -> World:
    """Lay out ``size.scenes`` scenes over exactly ``size.segments`` segments, originals first, then forks."""
    size.check()
    forks = round(size.scenes * FORK_SHARE) if size.scenes > 1 else 0
    originals = size.scenes - forks
    bare = set(rng.sample(range(originals, size.scenes), round(forks * BARE_FORK_SHARE)))
    long_count = min(max(1, size.scenes // SCENES_PER_LONG_SCENE), originals)
    long_scenes = sorted(rng.sample(range(originals), long_count))
    own = _own_lengths(size, originals, bare, long_scenes, rng)
    others = sorted(set(range(originals)) - set(long_scenes))
    popular = long_scenes + rng.sample(others, min(len(others), max(3, size.scenes // SCENES_PER_POPULAR_STORY)))
    world = World(size, long_scenes=long_scenes, popular_scenes=popular)
    _Grower(world, rng, topics, set(popular)).grow(originals, own)
    return world


def _own_lengths(size: WorldSize, originals: int, bare: set[int], long_scenes: list[int],
                 rng: random.Random) -> list[int]:
    """Segments each scene adds itself: 1 + a long-tailed extra, a few very long ones, summing to size.segments."""
    writing = [s for s in range(size.scenes) if s not in bare]
    spare = size.segments - len(writing)
    if spare < 0:
        raise WorldTooSmall(f"{size.scenes} scenes need at least {len(writing)} segments.")
    long_length = min(LONG_SCENE_SEGMENTS, 1 + spare // (2 * len(long_scenes)))
    own = [0] * size.scenes
    for s in writing:
        own[s] = 1
    for s in long_scenes:
        own[s] = long_length
    spare -= (long_length - 1) * len(long_scenes)
    normal = [s for s in writing if own[s] == 1]
    mean = spare / len(normal) if normal else 0
    cap = max(1, long_length // 2)  # ordinary scenes stay clearly shorter than the long ones
    for s in normal:
        own[s] += min(cap, int(rng.expovariate(1 / mean))) if mean > 0 else 0
    missing = size.segments - sum(own)
    room = sum(cap + 1 - own[s] for s in normal if own[s] <= cap)
    if missing > room:  # a world of few scenes: the long ones take what the others can't
        for i in range(missing - room):
            own[long_scenes[i % len(long_scenes)]] += 1
        missing = room
    while missing != 0 and normal:
        s = rng.choice(normal)
        if missing > 0 and own[s] <= cap:
            own[s] += 1
            missing -= 1
        elif missing < 0 and own[s] > 1:
            own[s] -= 1
            missing += 1
    return own


class _Grower:
    """Appends scenes and their segments to a World in creation order."""

    def __init__(self, world: World, rng: random.Random, topics: int, popular: set[int]):
        self.w, self.rng, self.topics, self.popular = world, rng, topics, popular
        self.forkable: list[int] = []  # scenes that aren't private, in creation order
        self.hero: dict[int, str] = {}  # root segment → the story's main character
        self.next_character: dict[int, int] = {}  # root segment → next C number in that tree
        ranked = world.popular_scenes
        self.popular_weights = [1 / (rank + 1) ** 0.5 for rank in range(len(ranked))]

    def grow(self, originals: int, own: list[int]) -> None:
        for scene in range(len(own)):
            if scene < originals:
                self._original(scene, own[scene])
            else:
                self._fork(scene, own[scene])

    def _user(self) -> int:
        """A few prolific writers, a long tail of occasional ones."""
        return min(self.w.size.users - 1, int(self.w.size.users * self.rng.random() ** 2))

    def _scene(self, scene: int, *, owner: int, topic: int, visibility: str, title: str, fork_point: int,
               started: float) -> None:
        w = self.w
        w.owner.append(owner)
        w.topic.append(topic)
        w.visibility.append(visibility)
        w.title.append(title)
        w.fork_point.append(fork_point)
        w.head.append(fork_point)
        w.started.append(started)
        if visibility != "private":
            self.forkable.append(scene)

    def _original(self, scene: int, length: int) -> None:
        rng = self.rng
        roll = rng.random()
        visibility = "public" if scene in self.popular or roll < 0.94 else "unlisted" if roll < 0.98 else "private"
        self._scene(scene, owner=self._user(), topic=rng.randrange(self.topics), visibility=visibility,
                    title=words.title(rng), fork_point=-1, started=rng.uniform(3600, YEAR))
        root = len(self.w.scene)
        hero, place = rng.choice(words.CHARACTERS), rng.choice(words.LOCATIONS)
        self.hero[root] = hero
        with_bible = scene in self.popular or rng.random() < BIBLE_SHARE
        self._write(scene, length, parent=-1, opening=words.opening(rng, hero, place))
        if with_bible:
            self._found_bible(root, hero, place)

    def _fork(self, scene: int, length: int) -> None:
        rng, w = self.rng, self.w
        origin = self._fork_origin()
        head = w.head[origin]
        point = head
        target = rng.randint(1, w.position[head])
        while w.position[point] > target:
            point = w.parent[point]
        root = self._root(point)
        title = f"{w.title[origin]} — fork" if rng.random() < 0.5 else words.title(rng)
        self._scene(scene, owner=self._user(), topic=w.topic[origin], visibility=w.visibility[origin],
                    title=title[:120], fork_point=point, started=rng.uniform(0.5, 1.0) * w.age[point])
        hero = self.hero[root]
        first = len(w.scene)
        self._write(scene, length, parent=point, opening=words.fork_opening(rng, hero))
        if length and root in self.next_character and rng.random() < 0.5:
            self._introduce(first, root)

    def _fork_origin(self) -> int:
        """Half the forks go to the popular stories (most to the most popular), the rest anywhere public."""
        rng = self.rng
        if rng.random() < POPULAR_SHARE_OF_FORKS:
            return rng.choices(self.w.popular_scenes, weights=self.popular_weights)[0]
        return rng.choice(self.forkable)

    def _root(self, segment: int) -> int:
        w = self.w
        while w.parent[segment] != -1:
            segment = w.parent[segment]
        return segment

    def _write(self, scene: int, length: int, *, parent: int, opening: str) -> None:
        """The scene's own segments after ``parent``, spread in time between its start and now."""
        w, rng = self.w, self.rng
        owner = w.owner[scene]
        base = w.position[parent] if parent >= 0 else 0
        root = self._root(parent) if parent >= 0 else len(w.scene)
        hero = self.hero[root]
        age = w.started[scene]
        step = age / (length + 1)
        for k in range(length):
            age -= rng.uniform(0.2, 1.0) * step
            offset = len(w.scene)
            w.scene.append(scene)
            w.parent.append(parent)
            w.position.append(base + k + 1)
            w.author.append(owner if rng.random() < OWNER_WRITES_SHARE else rng.randrange(w.size.users))
            w.age.append(age)
            w.prompt.append(opening if k == 0 else words.continuation(rng, hero, base + k + 1))
            parent = offset
        if length:
            w.head[scene] = parent
        if root in self.next_character:
            self._develop(scene, root, base + 1)

    def _found_bible(self, root: int, hero: str, place: str) -> None:
        """The story's first segment establishes its hero (C1), place (L1) and sometimes a style (S1)."""
        rng, w = self.rng, self.w
        rows = [BibleRow(root, "C1", "create", "character", hero),
                BibleRow(root, "C1", "set_attribute", rng.choice(words.GARMENTS), rng.choice(words.COLOURS)),
                BibleRow(root, "C1", "set_attribute", "hair", rng.choice(words.HAIR)),
                BibleRow(root, "L1", "create", "location", place.removeprefix("the ").title())]
        linked = ["C1", "L1"]
        if rng.random() < 0.5:
            rows.append(BibleRow(root, "S1", "create", "style", rng.choice(words.STYLES)))
            linked.append("S1")
        self._record(root, rows, linked)
        self.next_character[root] = 2
        self._develop(w.scene[root], root, 2)

    def _develop(self, scene: int, root: int, from_position: int) -> None:
        """Now and then a later segment of the scene changes what the Bible says about the hero."""
        rng, w = self.rng, self.w
        segment = w.head[scene]
        while segment >= 0 and w.scene[segment] == scene and w.position[segment] >= from_position:
            if segment not in w.linked:
                w.linked[segment] = ["C1", "L1"]
                w.root_of[segment] = root
                if rng.random() < 0.08:
                    row = (BibleRow(segment, "C1", "set_attribute", rng.choice(words.GARMENTS), rng.choice(words.COLOURS))
                           if rng.random() < 0.6 else BibleRow(segment, "C1", "add_fact", rng.choice(words.FACTS), ""))
                    w.bible.append(row)
            segment = w.parent[segment]

    def _introduce(self, segment: int, root: int) -> None:
        """A fork's first segment brings in a new character with the tree's next id."""
        number = self.next_character[root]
        self.next_character[root] = number + 1
        entity = f"C{number}"
        name = self.rng.choice(words.CHARACTERS)
        self._record(segment, [BibleRow(segment, entity, "create", "character", name),
                               BibleRow(segment, entity, "set_attribute", "coat", self.rng.choice(words.COLOURS))],
                     ["C1", entity, "L1"])
        self.w.root_of[segment] = root

    def _record(self, segment: int, rows: list[BibleRow], linked: list[str]) -> None:
        self.w.bible.extend(rows)
        self.w.linked[segment] = linked
        self.w.root_of[segment] = self._root(segment)
