"""A long branch's page lists its newest segments in full; the chapter list names every one, and every card is
one link away (``?segments=all``)."""
from app.extensions import db
from app.models import Scene
from tests.factories import bare_scene, grow, scene_url, segment_url
from tests.main.test_viewer_pages import _browser, _page


def _cards(page: str) -> int:
    return page.count('<li class="segment segment-ready"')


def test_a_long_scene_lists_its_newest_30_segments_in_full_and_every_one_on_request(app, client, user):
    scene = bare_scene(user, title="Long voyage")
    path = grow(scene, 45)
    ref = scene.public_id
    readers = client.get(scene_url(ref)).get_data(as_text=True)
    assert _cards(readers) == 30 and f'id="segment-{path[15].public_id}"' in readers
    assert f'id="segment-{path[14].public_id}"' not in readers
    assert readers.count("data-segment-id=") == 45  # the chapter list names every segment
    assert "Segments 16–45 of 45 in full" in readers
    assert f'href="/scenes/{ref}?segments=all#segments-heading">Show all 45 segments</a>' in readers
    every = client.get(scene_url(ref) + "?segments=all").get_data(as_text=True)
    assert _cards(every) == 45 and "Show all" not in every

    writer = _browser(app, "mara")  # signed in: the kept list fragments of both widths are apart
    for _ in range(2):
        assert _cards(_page(writer, scene_url(ref))) == 30
        assert _cards(_page(writer, scene_url(ref) + "?segments=all")) == 45
        assert _cards(_page(writer, scene_url(ref) + "?segments=junk")) == 30

    # an older segment's card is linked on the page that lists it
    older, newest = path[2].public_id, path[-1].public_id
    assert client.get(segment_url(older, "/fork")).headers["Location"] == f"{scene_url(ref)}?segments=all#fork-{older}"
    assert client.get(segment_url(newest, "/fork")).headers["Location"] == f"{scene_url(ref)}#fork-{newest}"


def test_a_scene_of_40_segments_lists_them_all(client, user):
    scene = bare_scene(user, title="Short voyage")
    grow(scene, 40)
    page = client.get(scene_url(db.session.get(Scene, scene.id))).get_data(as_text=True)
    assert _cards(page) == 40 and "Show all" not in page


def test_the_branchs_continuity_summary_counts_every_segment_not_only_those_listed(app, client, user):
    """The mean score and the colour-corrected count above the list cover the whole branch, read from the
    path's plain values, the same for readers and for members (whose cards come from a kept list)."""
    from app.models import Segment

    scene = bare_scene(user, title="Harbour lights")
    path = grow(scene, 45)
    for i, segment in enumerate(path):
        row = db.session.get(Segment, segment.id)
        row.continuity_score = 0.5 if i < 10 else 1.0
        corrected = i < 3  # all three outside the newest 30 the page lists in full
        row.continuity = {"before": {"colour_drift": 9.0, "first_frame_similarity": 0.8},
                          "after": {"corrected": corrected, "colour_drift": 1.0, "first_frame_similarity": 0.9}}
    db.session.commit()
    ref = scene.public_id
    writer = _browser(app, "mara")
    for page in (client.get(scene_url(ref)).get_data(as_text=True), _page(writer, scene_url(ref)),
                 _page(writer, scene_url(ref))):
        assert "(89/100 on average)</span> · 3 segments colour-corrected." in page  # (10 × 0.5 + 35) / 45
