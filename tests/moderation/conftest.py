"""Prompt-filter fixtures: a small known word list, and the list the app ships with."""
from __future__ import annotations

import pytest

from app.moderation.prompt_filter import PromptFilter, load_filter


@pytest.fixture(scope="session")
def word_filter() -> PromptFilter:
    """A filter over a few terms chosen to exercise each matching rule."""
    return PromptFilter(
        ["ass"],
        categories={
            "violence": ["kill", "behead*"],
            "child_safety": ["child porn"],
            "hate": ["sieg heil"],
        },
    )


@pytest.fixture(scope="session")
def default_filter() -> PromptFilter:
    """The filter built from the shipped blocked_terms.txt."""
    return load_filter(None, ())


@pytest.fixture(scope="session")
def explicit_clip(tmp_path_factory):
    """A 5 s clip: three clean seconds, then two of a drawing NudeNet flags (made here, no files)."""
    from tests.moderation.figures import clean_frame, clip_of, explicit_frame

    frames = [clean_frame()] * 3 + [explicit_frame()] * 2
    return clip_of(frames, tmp_path_factory.mktemp("clips") / "explicit.mp4")


@pytest.fixture
def renders_explicit(monkeypatch, explicit_clip):
    """The local renderer's output is replaced by ``explicit_clip`` (the rest of the pipeline runs as ever).

    Returns the list of render requests the provider received.
    """
    import shutil

    from app.providers.video.local import LocalVideoProvider

    started = []
    original_start = LocalVideoProvider.start

    def start(self, request):
        started.append(request)
        return original_start(self, request)

    def fetch(self, result, dest, on_progress=None):
        shutil.copyfile(explicit_clip, dest)
        return dest

    monkeypatch.setattr(LocalVideoProvider, "start", start)
    monkeypatch.setattr(LocalVideoProvider, "fetch", fetch)
    return started


@pytest.fixture
def moderator(app):
    from app.models import Role
    from tests.factories import make_user

    return make_user("morgan", role=Role.MODERATOR)


@pytest.fixture
def reader(app):
    from tests.factories import make_user

    return make_user("rowan")


@pytest.fixture
def outbox(app):
    """The mails written so far, as (to, subject, body) tuples."""
    from email import message_from_bytes, policy
    from pathlib import Path

    def read():
        mails = []
        for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml")):
            msg = message_from_bytes(path.read_bytes(), policy=policy.default)
            mails.append((msg["To"], msg["Subject"], msg.get_content()))
        return mails

    return read


@pytest.fixture(scope="session")
def moderation_server():
    from tests.moderation.moderation_stub import ModerationStub

    with ModerationStub(api_key="sk-stub-moderation") as stub:
        yield stub


@pytest.fixture
def moderation_stub(app, moderation_server):
    """The moderation stub, reset, configured as the app's MODERATION_PROVIDER=openai."""
    moderation_server.reset()
    app.config.update(MODERATION_PROVIDER="openai", MODERATION_BASE_URL=moderation_server.api_url,
                      MODERATION_API_KEY="sk-stub-moderation", MODERATION_TIMEOUT=5.0)
    return moderation_server
