from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import cache_versions as versions
from app.continuity.bible import BibleError
from app.extensions import db
from app.pages import personal_page, reader_page, skip_page_cache, viewer_text
from app.scenes import bp, refusals
from app.scenes.forms import BibleChangeForm, ContinueForm, ForkForm, NewSceneForm, SceneSettingsForm, SegmentActionForm
from app.scenes.fragments import readers_bible, scene_fragments
from app.scenes.urls import scene_from_url, segment_card_url, segment_from_url
from app.story import access, bible_edits, lineage, writing
from app.story.presenters import all_segments_param, bible_page, scene_page
from app.story.viewers import story_viewers
from app.topics.catalog import list_topics


@bp.route("/scenes/<scene:scene_ref>/bible", methods=["GET", "POST"])
@reader_page(scope=versions.scene_scope, viewers=story_viewers)
def bible(scene_ref: str):
    scene = scene_from_url(scene_ref)
    if request.method == "GET" and (kept := readers_bible(scene)) is not None:
        return render_template("scenes/bible.html", scene=scene, body=kept)
    form = BibleChangeForm() if access.can_edit(scene, current_user) else None  # a form means a CSRF token
    if request.method == "POST":
        access.require_edit(scene, current_user)
        if form.validate_on_submit():
            try:
                change = bible_edits.correct_bible(scene, current_user, op=form.op.data, entity_id=form.entity_id.data,
                                                   key=form.key.data, value=form.value.data)
            except BibleError as err:
                flash(f"That change doesn't fit the Bible: {err}", "error")
            else:
                flash(f"Recorded: {change.entity_id} {change.op.replace('_', ' ')}.", "success")
                return redirect(url_for("scenes.bible", scene_ref=scene))
    page = bible_page(scene, current_user)
    return render_template("scenes/bible.html", **page.context(), form=form,
                           action_form=SegmentActionForm() if page.can_edit else None)


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
@reader_page(params={"segments": all_segments_param}, scope=versions.scene_scope, viewers=story_viewers)
def show(scene_ref: str, continue_form: ContinueForm | None = None, settings_form: SceneSettingsForm | None = None,
         status: int = 200):
    page = scene_page(scene_from_url(scene_ref), current_user, all_segments_param(request.args.get("segments")))
    if page.changing:
        skip_page_cache()  # progress moves without a database change the cache would notice
    if not page.settled:
        personal_page()  # a failed or withheld segment shows its writer what others don't see
    forms = _scene_forms(page.scene, page.head_ref, continue_form, settings_form)
    fork_title = viewer_text(f"{page.scene.title} — ", "’s fork", 120) if current_user.is_authenticated else ""
    return render_template("scenes/show.html", **page.context(), **forms, fork_title=fork_title,
                           fragments=scene_fragments(page, fork_title)), status


def _scene_forms(scene, head_ref: str, continue_form: ContinueForm | None,
                 settings_form: SceneSettingsForm | None) -> dict:
    """The scene page's forms: none for readers (no CSRF token, so no session cookie); a refused
    continuation comes back with its prompt and reason. ``head_ref``: the public id of the scene's head."""
    if not current_user.is_authenticated:
        return {"form": continue_form, "settings_form": settings_form, "action_form": None}
    form = continue_form or refusals.refused_form(scene) or ContinueForm(after_segment_id=head_ref)
    settings = settings_form or SceneSettingsForm(title=scene.title, visibility=scene.visibility)
    return {"form": form, "settings_form": settings, "action_form": SegmentActionForm()}


@bp.post("/scenes/<scene:scene_ref>/settings")
@login_required
def settings(scene_ref: str):
    scene = scene_from_url(scene_ref)
    form = SceneSettingsForm()
    if not form.validate_on_submit():
        return show(scene_ref, settings_form=form, status=422)
    try:
        writing.change_scene(scene, current_user, title=form.title.data, visibility=form.visibility.data)
    except writing.StoryError as err:
        getattr(form, err.field or "title").errors.append(err.message)
        return show(scene_ref, settings_form=form, status=422)
    flash(f"Saved. The scene is now {scene.visibility}.", "success")
    return redirect(url_for("scenes.show", scene_ref=scene))


@bp.post("/scenes/<scene:scene_ref>/continue")
@login_required
def continue_(scene_ref: str):
    scene = scene_from_url(scene_ref)
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
    scene = scene_from_url(scene_ref)
    anchor = "continue" if request.path.endswith("/continue") else "settings-heading"
    return redirect(url_for("scenes.show", scene_ref=scene, _anchor=anchor))


@bp.get("/segments/<segment:segment_ref>/fork")
def back_to_segment(segment_ref: str):
    """The fork address opened directly: the scene page at that segment's fork sheet."""
    segment = segment_from_url(segment_ref)
    return redirect(segment_card_url(segment, f"fork-{segment.public_id}"))


@bp.post("/segments/<segment:segment_ref>/fork")
@login_required
def fork(segment_ref: str):
    segment = segment_from_url(segment_ref)
    form = ForkForm()
    if not form.validate_on_submit():
        abort(400)
    carrier = access.carrier_scene(segment, current_user, request.args.get("scene"))
    try:
        new_scene = writing.fork_at(carrier, segment, current_user, form.title.data)
        if form.prompt.data and form.prompt.data.strip():
            writing.continue_scene(new_scene, current_user, form.prompt.data, segment.id)
    except (writing.StoryError, writing.PromptError, writing.GenerationRefused) as err:
        flash(err.message, "error")
        return redirect(url_for("scenes.show", scene_ref=carrier))
    flash("You forked the scene. It's yours to take anywhere.", "success")
    return redirect(url_for("scenes.show", scene_ref=new_scene))


@bp.post("/segments/<segment:segment_ref>/retry")
@login_required
def retry(segment_ref: str):
    segment = segment_from_url(segment_ref)
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    try:
        writing.retry_segment(segment, current_user)
    except (writing.StoryError, writing.GenerationRefused) as err:
        flash(err.message, "error")
    else:
        flash("Trying again, from where it stopped.", "success")
    return redirect(url_for("scenes.show", scene_ref=segment.scene, _anchor="generating"))


@bp.post("/segments/<segment:segment_ref>/discard")
@login_required
def discard(segment_ref: str):
    segment = segment_from_url(segment_ref)
    scene_ref = segment.scene.public_id
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    try:
        writing.discard_segment(segment, current_user)
    except writing.StoryError as err:
        flash(err.message, "error")
    else:
        flash("Segment discarded. The scene is open for the next prompt.", "success")
    db.session.remove()
    return redirect(url_for("scenes.show", scene_ref=scene_ref))


@bp.post("/scenes/<scene:scene_ref>/merge")
@login_required
def merge(scene_ref: str):
    scene = scene_from_url(scene_ref)
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    fork = access.visible_scene(request.form.get("fork_scene_id", ""), current_user)
    try:
        lineage.merge_fork(scene, fork, current_user)
    except lineage.MergeRefused as err:
        flash(str(err), "error")
    else:
        flash(f"Merged “{fork.title}” into this scene.", "success")
    return redirect(url_for("scenes.show", scene_ref=scene))
