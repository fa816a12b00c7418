"""The people of bench/load.py: readers signed out and signed in, and writers who publish segments.

Readers pick pages from ``PAGES`` (the read mix weights them, ``--only`` hammers one). A signed-in
reader signs in once as a seeded scale-world writer and keeps the session, as a browser does.
A writer continues a recent public scene through the scene page's form, follows the generation
job the page links to until the worker has published the segment, and starts the next one a few
seconds later; each publication is recorded as a request named ``PUBLISHED`` whose time is
submit → published.
"""
from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from locust import FastHttpUser, between, constant, constant_throughput, task
from locust.exception import StopUser
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.seeding.scale import SCALE_PASSWORD, writer_name  # noqa: E402

SIGNED_IN = " (signed in)"
WRITER = " (writer)"
PUBLISHED = "segment published (submit → ready)"
#: what a writer asks the renderer for: no named people or places, so no Scene Bible refuses it
PROMPTS = (
    "The light changes slowly over the empty street as evening comes.",
    "Rain begins to fall and the camera drifts across the wet rooftops.",
    "A gust of wind sends leaves tumbling along the quiet road.",
    "The clouds part and sunlight spills across the hills.",
)
#: how often a writer asks after its job, as the scene page's script does (static/js/scene.js POLL_MS)
POLL_SECONDS = 1.0
GIVE_UP_SECONDS = 300


@dataclass
class Targets:
    """What the simulated people ask for, sampled from the database before the run."""

    topics: list[str]
    recent: list[str]
    random: list[str]
    long: list[str]
    writers: int
    #: seeded writers not yet signed in during this run (each person signs in as a different one)
    accounts: list[int] = field(default_factory=list)

    def scene(self) -> str:
        """Half the reads go to what the home and topic pages show, half anywhere public."""
        return random.choice(self.recent if random.random() < 0.5 else self.random)

    def account(self) -> str:
        if not self.accounts:
            self.accounts = random.sample(range(1, self.writers + 1), min(self.writers, 2000))
        return writer_name(self.accounts.pop())


def vacuum(database_url: str) -> int:
    """``VACUUM ANALYZE`` a PostgreSQL scale world and return the dead rows it had: each run's writers and
    publisher update scenes and jobs, and a server with autovacuum off (as this machine's) would otherwise
    start every run from a more bloated state than the last, as a production server's would not."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name != "postgresql":
            return 0
        with engine.connect() as conn:
            dead = conn.execute(text("SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables")).scalar_one()
            conn.execute(text("VACUUM ANALYZE"))
        return int(dead)
    finally:
        engine.dispose()


def sample_targets(database_url: str, sample: int = 5000) -> Targets:
    engine = create_engine(database_url)
    listed = "visibility = 'public' AND head_segment_id IS NOT NULL"
    with engine.connect() as conn:
        ids = lambda sql: [row[0] for row in conn.execute(text(sql))]  # noqa: E731
        targets = Targets(
            topics=ids("SELECT slug FROM topics ORDER BY position"),
            recent=ids(f"SELECT public_id FROM scenes WHERE {listed} ORDER BY updated_at DESC LIMIT 200"),
            random=ids(f"SELECT public_id FROM scenes WHERE {listed} ORDER BY random() LIMIT {sample}"),
            long=ids(f"SELECT public_id FROM scenes WHERE {listed} AND segment_count >= 150 ORDER BY updated_at DESC"),
            writers=conn.execute(text("SELECT count(*) FROM users WHERE username LIKE 'writer%'")).scalar_one(),
        )
    engine.dispose()
    if not (targets.topics and targets.random and targets.writers):
        sys.exit("The database has no scale world: run `flask seed --scale` first (see bench/README.md).")
    return targets


def _long_scene(t: Targets) -> str:
    return random.choice(t.long) if t.long else t.scene()


#: page → (path, request name) for one request to it
PAGES: dict[str, Callable[[Targets], tuple[str, str]]] = {
    "home": lambda t: ("/", "/"),
    "topic": lambda t: (f"/topics/{random.choice(t.topics)}", "/topics/[slug]"),
    "scene": lambda t: (f"/scenes/{t.scene()}", "/scenes/[id]"),
    "one-scene": lambda t: (f"/scenes/{t.recent[0]}", "/scenes/[the most recent one]"),
    "long-scene": lambda t: (f"/scenes/{_long_scene(t)}", "/scenes/[id] (200 segments)"),
    "one-long-scene": lambda t: (f"/scenes/{(t.long or t.recent)[0]}", "/scenes/[the most recent 200-segment one]"),
    "playlist": lambda t: (f"/scenes/{t.scene()}/playlist.m3u8", "/scenes/[id]/playlist.m3u8"),
    "api-scene": lambda t: (f"/api/v1/scenes/{t.scene()}", "/api/v1/scenes/[id]"),
    "api-bible": lambda t: (f"/api/v1/scenes/{t.scene()}/bible", "/api/v1/scenes/[id]/bible"),
}
#: the read mix: how often each page is read
READ_MIX = {"home": 4, "topic": 3, "scene": 4, "long-scene": 1, "playlist": 4, "api-scene": 3, "api-bible": 1}


class _Forms(HTMLParser):
    """The hidden and text inputs of every form on a page, by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.job_urls: list[str] = []
        self._action: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._action = attrs.get("action") or ""
            self.forms.setdefault(self._action, {})
        elif tag == "input" and self._action is not None and attrs.get("name"):
            self.forms[self._action][attrs["name"]] = attrs.get("value") or ""
        if attrs.get("data-job-url"):
            self.job_urls.append(attrs["data-job-url"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None


def read_forms(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html or "")
    return parser


def sign_in(user: FastHttpUser, identifier: str) -> None:
    """Sign ``user``'s session in as ``identifier``; stops the simulated person when the site refuses."""
    page = user.client.get("/auth/login", name="/auth/login")
    form = next((f for f in read_forms(page.text).forms.values() if "identifier" in f), {})
    answer = {"identifier": identifier, "password": SCALE_PASSWORD, "csrf_token": form.get("csrf_token", "")}
    with user.client.post("/auth/login", data=answer, name="POST /auth/login", allow_redirects=False,
                          catch_response=True) as response:
        if response.status_code != 302:
            response.failure(f"sign-in as {identifier} answered {response.status_code}, not a redirect")
            raise StopUser()


class Reader(FastHttpUser):
    """Someone browsing pages, playlists and the JSON API; signed in or not, as the class says."""

    abstract = True
    targets: Targets
    signed_in = False
    pages: dict[str, int] = READ_MIX

    def on_start(self):
        if self.signed_in:
            sign_in(self, self.targets.account())

    @task
    def read(self):
        page = random.choices(list(self.pages), weights=list(self.pages.values()))[0]
        path, name = PAGES[page](self.targets)
        self.client.get(path, name=name + (SIGNED_IN if self.signed_in else ""))


def reader_class(*, signed_in: bool, count: int, pages: dict[str, int], rate_each: float) -> type[Reader]:
    """A Reader class for locust: ``count`` of them, each aiming at ``rate_each`` req/s (0: back to back)."""
    wait = constant_throughput(rate_each) if rate_each > 0 else constant(0)
    name = "SignedInReader" if signed_in else "SignedOutReader"
    return type(name, (Reader,), {"abstract": False, "signed_in": signed_in, "fixed_count": count,
                                  "pages": pages, "wait_time": wait})


class Writer(FastHttpUser):
    """A seeded writer who continues recent scenes through the scene page's form, one segment at a time."""

    abstract = True
    targets: Targets
    wait_time = between(2, 4)
    _numbers = itertools.count()

    def on_start(self):
        sign_in(self, self.targets.account())
        number, writers = next(self._numbers), max(self.fixed_count, 1)
        # each writer keeps to its own scenes, so two never race for the same next position
        self.scenes = self.targets.recent[number % writers::writers] or self.targets.recent

    @task
    def publish(self):
        scene = random.choice(self.scenes)
        form = self._continue_form(scene)
        if form is None:
            return
        action, fields = form
        fields["prompt"] = random.choice(PROMPTS)
        submitted = time.monotonic()
        with self.client.post(action, data=fields, name="POST /scenes/[id]/continue" + WRITER, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"continuing answered {response.status_code}, not a redirect")
                return
        page = self.client.get(f"/scenes/{scene}", name="/scenes/[id]" + WRITER)
        jobs = read_forms(page.text).job_urls
        if not jobs:
            self._record(submitted, "the scene page showed no generation job after continuing")
            return
        self._follow(jobs[0], submitted)

    def _continue_form(self, scene: str) -> tuple[str, dict[str, str]] | None:
        """The scene page's continue form (action, fields), or None while its last segment is still generating."""
        page = self.client.get(f"/scenes/{scene}", name="/scenes/[id]" + WRITER)
        for action, fields in read_forms(page.text).forms.items():
            if action.endswith("/continue"):
                return action, fields
        return None

    def _follow(self, job_url: str, submitted: float) -> None:
        while time.monotonic() - submitted < GIVE_UP_SECONDS:
            time.sleep(POLL_SECONDS)
            answer = self.client.get(job_url, name="/api/v1/jobs/[id]" + WRITER)
            status = (answer.json() or {}).get("status") if answer.status_code == 200 else None
            if status == "succeeded":
                self._record(submitted)
                return
            if status in ("failed", "cancelled"):
                self._record(submitted, f"the generation {status}: {answer.json().get('message')}")
                return
        self._record(submitted, f"not published after {GIVE_UP_SECONDS} s: is the worker running?")

    def _record(self, submitted: float, error: str | None = None) -> None:
        self.environment.events.request.fire(
            request_type="PUBLISH", name=PUBLISHED, response_time=(time.monotonic() - submitted) * 1000,
            response_length=0, exception=RuntimeError(error) if error else None, context={})


def writer_class(count: int) -> type[Writer]:
    return type("Writer", (Writer,), {"abstract": False, "fixed_count": count, "_numbers": itertools.count()})
