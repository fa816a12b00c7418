from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.caching import reader_page, skip_page_cache
from app.continuity.bible import BibleError
from app.continuity.injection import InjectedEntry, continuity_note
from app.continuity.store import bible_at, correct_bible, first_appearances, last_appearances, positions_on_path
from app.continuity.store import history as bible_history
from app.extensions import db
from app.models import Scene, Segment
from app.scenes import bp, refusals
from app.scenes.forms import BibleChangeForm, ContinueForm, ForkForm, NewSceneForm, SceneSettingsForm, SegmentActionForm
from app.story import access, bible_edits, continuity_words, cuts, lineage, listings, playback, writing
from app.story.presenters import media_url, scene_view, work_in_progress
from app.topics.catalog import list_topics


@bp.app_template_global("media_url")
def _media_url(scene, key):
    return media_url(scene, key)


@bp.app_template_filter("clock")
def _clock(seconds: float | None) -> str:
    """5.0 → "0:05", 125 → "2:05": durations as people read them."""
    whole = round(seconds or 0)
    return f"{whole // 60}:{whole % 60:02d}"


@bp.app_template_global("continuity_words")
def _continuity_words(segment) -> str | None:
    return continuity_words.in_words(segment)


@bp.app_template_global("scene_continuity_words")
def _scene_continuity_words(average: float) -> str:
    return continuity_words.scene_in_words(average)


@bp.app_template_global("continuity_notes")
def _continuity_notes(segment) -> list[str]:
    """“C1 Mara — red hair — matched 'Mara's'” for each Bible entry injected into the segment's prompt."""
    entries = segment.planned.injected
    return [continuity_note(InjectedEntry.from_dict(e)) for e in entries]


@bp.route("/scenes/<scene:scene_ref>/bible", methods=["GET", "POST"])
@reader_page
def bible(scene_ref: str):
    scene = _visible_scene(scene_ref)
    can_edit = current_user.is_authenticated and (current_user.id == scene.owner_id or current_user.is_moderator)
    form = BibleChangeForm() if can_edit else None  # a form means a CSRF token, and so a session cookie
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            try:
                change = correct_bible(scene, current_user, op=form.op.data, entity_id=form.entity_id.data,
                                       key=form.key.data, value=form.value.data)
            except BibleError as err:
                flash(f"That change doesn't fit the Bible: {err}", "error")
            else:
                flash(f"Recorded: {change.entity_id} {change.op.replace('_', ' ')}.", "success")
                return redirect(url_for("scenes.bible", scene_ref=scene))
    entities = sorted(bible_at(scene.head_segment_id).entities.values(), key=lambda e: (e.kind, e.id))
    changes = bible_history(scene.head_segment_id)
    return render_template("scenes/bible.html", scene=scene, entities=entities, can_edit=can_edit, form=form,
                           history=changes, undone=bible_edits.undos(changes),
                           undoable=bible_edits.undoable(changes) if can_edit else set(),
                           action_form=SegmentActionForm() if can_edit else None, stills=first_appearances(entities),
                           last_seen=last_appearances(scene.head_segment_id),
                           number=positions_on_path(scene.head_segment_id))


@bp.app_template_global("has_vendor")
def _has_vendor(name: str) -> bool:
    """Whether a front-end package was installed into static/vendor (the pages fall back without it)."""
    return (Path(current_app.static_folder) / "vendor" / name).is_file()


def _visible_scene(ref: str) -> Scene:
    """The scene the URL names, if the reader may see it; an old numeric URL moves to the public-id one."""
    try:
        scene = access.visible_scene(ref, current_user)
    except access.NotFound:
        abort(404)
    if ref != scene.public_id:
        abort(_moved_to(scene_ref=scene.public_id))
    return scene


def _visible_segment(ref: str) -> Segment:
    """The segment the URL names, if the reader may see it; an old numeric URL moves to the public-id one."""
    try:
        segment = access.visible_segment(ref, current_user)
    except access.NotFound:
        abort(404)
    if ref != segment.public_id:
        abort(_moved_to(segment_ref=segment.public_id))
    return segment


def _moved_to(**refs: str) -> Response:
    """This request's URL with public ids in place of numeric ones: moved for good (308 keeps a POST a POST)."""
    url = url_for(request.endpoint, **{**request.view_args, **refs}, **request.args.to_dict(flat=False))
    return redirect(url, 301 if request.method in ("GET", "HEAD") else 308)


@bp.route("/scenes/new", methods=["GET", "POST"])
@login_required
def new():
    form = NewSceneForm()
    form.topic.choices = [SelectChoice(t.slug, t.name) for t in list_topics()]
    if request.method == "GET" and request.args.get("topic"):
        form.topic.data = request.args["topic"]
    status = 200
    if form.validate_on_submit():
        try:
            started = writing.create_scene(current_user, title=form.title.data, topic_slug=form.topic.data,
                                           prompt=form.prompt.data, visibility=form.visibility.data,
                                           declared=form.declared())
        except writing.GenerationRefused as err:
            flash(err.message, "error")
            status = 429
        except (writing.StoryError, writing.PromptError) as err:
            getattr(form, getattr(err, "field", None) or "prompt").errors.append(err.message)
            status = 422
        else:
            flash("Your scene is on its way: the first segment is generating.", "success")
            return redirect(url_for("scenes.show", scene_ref=started.scene))
    elif form.errors:
        status = 422
    return render_template("scenes/new.html", form=form), status


@bp.get("/scenes/<scene:scene_ref>")
@reader_page
def show(scene_ref: str, continue_form: ContinueForm | None = None, settings_form: SceneSettingsForm | None = None,
         status: int = 200):
    scene = _visible_scene(scene_ref)
    views = scene_view(scene)
    signed_in = current_user.is_authenticated  # readers get no forms: no CSRF token, no session cookie
    form = continue_form or (refusals.refused_form(scene) or ContinueForm(after_segment_id=scene.head.public_id
                                                                           if scene.head else "")
                             if signed_in else None)
    settings = settings_form or (SceneSettingsForm(title=scene.title, visibility=scene.visibility) if signed_in else None)
    cut = cuts.cut_for(scene)
    if work_in_progress(views) or (cut and cut.active):
        skip_page_cache()  # progress moves without a database change the cache would notice
    return render_template("scenes/show.html", scene=scene, views=views, form=form, action_form=SegmentActionForm() if signed_in else None,
                           settings_form=settings,
                           chapters=playback.chapters([v.segment for v in views]), cut=cut,
                           origin=lineage.origin_of(scene), forks=lineage.forks_of(scene, current_user),
                           next_scene=listings.up_next(scene)), status


@bp.post("/scenes/<scene:scene_ref>/settings")
@login_required
def settings(scene_ref: str):
    scene = _visible_scene(scene_ref)
    form = SceneSettingsForm()
    if not form.validate_on_submit():
        return show(scene_ref, settings_form=form, status=422)
    try:
        writing.change_scene(scene, current_user, title=form.title.data, visibility=form.visibility.data)
    except access.Forbidden:
        abort(403)
    except writing.StoryError as err:
        getattr(form, err.field or "title").errors.append(err.message)
        return show(scene_ref, settings_form=form, status=422)
    flash(f"Saved. The scene is now {scene.visibility}.", "success")
    return redirect(url_for("scenes.show", scene_ref=scene))


@bp.post("/scenes/<scene:scene_ref>/continue")
@login_required
def continue_(scene_ref: str):
    scene = _visible_scene(scene_ref)
    form = ContinueForm()
    if not form.validate_on_submit():
        return refusals.refuse(scene, form.prompt.data, " ".join(sum(form.errors.values(), [])))
    seen = access.seen_segment(form.after_segment_id.data, current_user)
    try:
        writing.continue_scene(scene, current_user, form.prompt.data, seen.id if seen else None)
    except writing.SceneMoved as moved:
        return render_template("scenes/moved.html", scene=scene, moved=moved, seen=seen, prompt=form.prompt.data,
                               fork_form=ForkForm(prompt=form.prompt.data)), 409
    except (writing.GenerationRefused, writing.PromptError, writing.StoryError) as err:
        return refusals.refuse(scene, form.prompt.data, err.message)
    flash("Your segment is generating. Watch its progress below.", "success")
    return redirect(url_for("scenes.show", scene_ref=scene, _anchor="generating"))


@bp.get("/scenes/<scene:scene_ref>/continue")
@bp.get("/scenes/<scene:scene_ref>/settings")
def back_to_scene(scene_ref: str):
    """Addresses that forms post to, opened directly (a reload, a shared link): the scene, at the form."""
    scene = _visible_scene(scene_ref)
    anchor = "continue" if request.path.endswith("/continue") else "settings-heading"
    return redirect(url_for("scenes.show", scene_ref=scene, _anchor=anchor))


@bp.get("/segments/<segment:segment_ref>/fork")
def back_to_segment(segment_ref: str):
    """The fork address opened directly: the scene page at that segment's fork sheet."""
    segment = _visible_segment(segment_ref)
    return redirect(url_for("scenes.show", scene_ref=segment.scene, _anchor=f"fork-{segment.public_id}"))


@bp.post("/segments/<segment:segment_ref>/fork")
@login_required
def fork(segment_ref: str):
    segment = _visible_segment(segment_ref)
    form = ForkForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        carrier = access.carrier_scene(segment, current_user, request.args.get("scene"))
        new_scene = writing.fork_at(carrier, segment, current_user, form.title.data)
        if form.prompt.data and form.prompt.data.strip():
            writing.continue_scene(new_scene, current_user, form.prompt.data, segment.id)
    except (access.NotFound, access.Forbidden):
        abort(404)
    except (writing.StoryError, writing.PromptError, writing.GenerationRefused) as err:
        flash(err.message, "error")
        return redirect(url_for("scenes.show", scene_ref=carrier))
    flash("You forked the scene. It's yours to take anywhere.", "success")
    return redirect(url_for("scenes.show", scene_ref=new_scene))


@bp.post("/segments/<segment:segment_ref>/retry")
@login_required
def retry(segment_ref: str):
    segment = _visible_segment(segment_ref)
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    try:
        writing.retry_segment(segment, current_user)
    except access.Forbidden:
        abort(403)
    except (writing.StoryError, writing.GenerationRefused) as err:
        flash(err.message, "error")
    else:
        flash("Trying again, from where it stopped.", "success")
    return redirect(url_for("scenes.show", scene_ref=segment.scene, _anchor="generating"))


@bp.post("/segments/<segment:segment_ref>/discard")
@login_required
def discard(segment_ref: str):
    segment = _visible_segment(segment_ref)
    scene_ref = segment.scene.public_id
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    try:
        writing.discard_segment(segment, current_user)
    except access.Forbidden:
        abort(403)
    except writing.StoryError as err:
        flash(err.message, "error")
    else:
        flash("Segment discarded. The scene is open for the next prompt.", "success")
    db.session.remove()
    return redirect(url_for("scenes.show", scene_ref=scene_ref))


@bp.post("/scenes/<scene:scene_ref>/merge")
@login_required
def merge(scene_ref: str):
    scene = _visible_scene(scene_ref)
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    try:
        fork = access.visible_scene(request.form.get("fork_scene_id", ""), current_user)
        lineage.merge_fork(scene, fork, current_user)
    except access.NotFound:
        abort(404)
    except access.Forbidden:
        abort(403)
    except lineage.MergeRefused as err:
        flash(str(err), "error")
    else:
        flash(f"Merged “{fork.title}” into this scene.", "success")
    return redirect(url_for("scenes.show", scene_ref=scene))
