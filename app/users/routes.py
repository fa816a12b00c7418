from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.caching import cached_listing
from app.extensions import db
from app.models import User
from app.pages import reader_page
from app.story.listings import Cursor, scenes_by
from app.users import bp


@bp.get("/users/<username>")
@reader_page(params={"after": Cursor.parse})
def profile(username: str):
    person = db.session.scalar(select(User).where(User.username == username))
    if person is None:
        abort(404)
    after = Cursor.parse(request.args.get("after"))
    own = current_user.is_authenticated and current_user.id == person.id
    if own:  # their private and unfinished scenes too: never cached
        page = scenes_by(person, after, everything=True)
    else:
        page = cached_listing(f"user:{person.id}:{after}", lambda: scenes_by(person, after))
    return render_template("users/profile.html", person=person, page=page, own=own, paged=after is not None)
