"""Removal reaches every branch that plays a segment; restore brings it back."""
import re

from sqlalchemy import select

from app.audit import history
from app.extensions import db, storage
from app.models import Scene, Segment
from app.moderation import decisions
from app.moderation.cases import open_case
from app.story.writing import fork_at
from tests.factories import build_scene, make_user
from tests.moderation.helpers import person


def _playlist_uris(client, scene_ref):
    text = client.get(f"/scenes/{scene_ref}/playlist.m3u8").get_data(as_text=True)
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_removal_slates_every_branch_and_mails_the_people_concerned(app, client, user, moderator, worker, outbox):
    """The removed segment's media answers 404, both the scene and an earlier fork play a slate in its
    place (every URI still answers), downloads are rebuilt, the writer and the fork's owner get mail."""
    scene_id = build_scene(user, worker, prompts=["Mara waits on the pier.", "A lantern flickers."])
    scene = db.session.get(Scene, scene_id)
    first = db.session.scalars(select(Segment).where(Segment.scene_id == scene_id).order_by(Segment.position)).first()
    fork = fork_at(scene, first, make_user("tomas"), title="The other pier")
    scene_ref, fork_ref, first_ref = scene.public_id, fork.public_id, first.public_id
    video_url = f"/media/{first.video_key}"
    before = _playlist_uris(client, scene_ref)  # cached now
    assert client.get(video_url).status_code == 200
    assert client.get(f"/scenes/{scene_ref}/download.mp4").status_code in (200, 302)

    case = open_case("segment", first_ref, source="report", severity=60, summary="Reported", writer_id=person("mara").id)
    db.session.commit()
    decisions.decide(case, person("morgan"), "remove", "Copies a film's opening shot")

    assert client.get(video_url).status_code == 404
    for ref in (scene_ref, fork_ref):
        uris = _playlist_uris(client, ref)
        assert any("/slates/removed-" in u for u in uris), uris
        assert not any(f"/segments/{first_ref}/" in u for u in uris)
        assert all(client.get(u).status_code == 200 for u in uris)
    assert _playlist_uris(client, scene_ref) != before
    assert not any(key.startswith(f"segments/{first_ref}/") for key in storage().list("segments/"))
    assert storage().list(f"quarantine/{first_ref}/")
    mails = outbox()
    assert any(to == "mara@example.com" and "removed" in subject and "Copies a film" in body for to, subject, body in mails)
    assert any(to == "tomas@example.com" and "The other pier" in subject for to, subject, _ in mails)
    entry = history("segment", first_ref)[0]
    assert (entry.action, entry.before["moderation_state"], entry.after["moderation_state"]) == ("segment.remove", "clear", "removed")
    download = client.get(f"/scenes/{scene_ref}/download.mp4")
    assert download.status_code in (200, 302)


def test_restore_brings_the_media_back(app, client, user, moderator, worker):
    """Restoring a removed segment moves its media back from quarantine and the playlist plays it again."""
    scene_id = build_scene(user, worker, prompts=["Mara waits on the pier."])
    segment = db.session.scalar(select(Segment).where(Segment.scene_id == scene_id))
    ref, video_url = segment.public_id, f"/media/{segment.video_key}"
    scene_ref = db.session.get(Scene, scene_id).public_id
    case = open_case("segment", ref, source="report", severity=60, summary="Reported")
    db.session.commit()
    decisions.decide(case, person("morgan"), "remove", "Looked like a logo")
    assert client.get(video_url).status_code == 404
    case = open_case("segment", ref, source="appeal", severity=50, summary="Appeal")
    db.session.commit()
    decisions.decide(case, person("morgan"), "restore", "The logo is the writer's own")
    assert client.get(video_url).status_code == 200
    assert any(re.search(f"/segments/{ref}/", u) for u in _playlist_uris(client, scene_ref))
    assert not storage().list(f"quarantine/{ref}/")


def test_removal_asks_the_cdn_to_purge_the_media_urls(app, user, moderator):
    """With CDN_PURGE_URL set, removal POSTs the URLs of every object it took down."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from tests.factories import bare_scene, grow

    received = []

    class Purge(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server hook's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Purge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app.config["CDN_PURGE_URL"] = f"http://127.0.0.1:{server.server_port}/purge"
        segment = grow(bare_scene(user), 1)[0]
        segment.media_prefix = f"segments/{segment.public_id}/"
        db.session.commit()
        for name in ("video.mp4", "hls/index.m3u8"):
            storage().put(segment.media_prefix + name, b"bytes")
        case = open_case("segment", segment.public_id, source="report", severity=60, summary="Reported")
        db.session.commit()
        decisions.decide(case, moderator, "remove", "Policy")
    finally:
        server.shutdown()
    (body,) = received
    assert sorted(u.rsplit("/", 2)[-2:][-1] for u in body["urls"]) == ["index.m3u8", "video.mp4"]


def test_quarantined_media_is_deleted_after_the_retention(app, user, moderator):
    """Removed media stays in quarantine for QUARANTINE_DAYS, then the sweep deletes it (once)."""
    from datetime import timedelta

    from app.models.base import utcnow
    from app.moderation.takedown import purge_expired_quarantine
    from tests.factories import bare_scene, grow

    segment = grow(bare_scene(user), 1)[0]
    segment.media_prefix = f"segments/{segment.public_id}/"
    db.session.commit()
    storage().put(segment.media_prefix + "video.mp4", b"bytes")
    case = open_case("segment", segment.public_id, source="report", severity=60, summary="Reported")
    db.session.commit()
    decisions.decide(case, moderator, "remove", "Policy")
    assert purge_expired_quarantine() == 0 and storage().list(f"quarantine/{segment.public_id}/")
    record = db.session.get(Segment, segment.id).moderation
    db.session.get(Segment, segment.id).moderation = {
        **record, "removed_at": (utcnow() - timedelta(days=app.config["QUARANTINE_DAYS"] + 1)).isoformat()}
    db.session.commit()
    assert purge_expired_quarantine() == 1
    assert storage().list(f"quarantine/{segment.public_id}/") == []
    assert purge_expired_quarantine() == 0
