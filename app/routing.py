"""URL converters: scenes, segments and jobs are named in URLs by their public ids.

``<scene:scene_ref>`` matches a public id (or an old numeric id, which the
access rules answer only for what anyone may list); the view receives the
reference as text and resolves it with ``app.story.access``. ``url_for``
takes the row itself (or its public id) and writes its public id, and refuses
a bare integer, so no page can link by a sequential id by mistake.
"""
from __future__ import annotations

from werkzeug.routing import BaseConverter

from app.models import GenerationJob, Scene, Segment


class RefConverter(BaseConverter):
    """A reference to a row of ``model``: letters and digits only, as public ids are."""

    regex = r"[A-Za-z0-9]{1,32}"
    model: type

    def to_url(self, value) -> str:
        if isinstance(value, self.model):
            value = value.public_id
        if not isinstance(value, str):
            raise TypeError(f"a {self.model.__name__} URL takes the row or its public id, not {value!r}")
        return super().to_url(value)


class SceneConverter(RefConverter):
    model = Scene


class SegmentConverter(RefConverter):
    model = Segment


class JobConverter(RefConverter):
    model = GenerationJob


CONVERTERS = {"scene": SceneConverter, "segment": SegmentConverter, "job": JobConverter}
