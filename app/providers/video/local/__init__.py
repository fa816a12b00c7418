"""The local video provider: a procedural renderer that makes real H.264 clips on the CPU.

Nothing here is generative: the clip is drawn from the request so that every
part of the pipeline (queue, progress, normalize, HLS, continuity scoring) runs
for real without a paid API. What is drawn comes from the segment's own prompt
and the Scene Bible the pipeline passes in:

- the prompt's words decide the time of day (night is dark, dusk and dawn
  between), the weather (rain streaks under an overcast sky, snow, fog) and
  the setting; failing that the Bible's location does, which also sets the
  scenery (forest, city, water, desert, mountains, interior, space …) and a
  colour tint;
- each character is a figure whose coat, hair, skin and trousers take the
  colours the prompt gives it ("Mara, in a green raincoat") or its attributes
  name (``coat: red``; a raincoat when it rains) or, failing that, a colour
  derived from its entity id — :func:`signature_color` returns that main
  colour so continuity scoring can look for it;
- people the prompt mentions without a name ("a woman in a bright red coat")
  are figures too, and animals (fox, cat, raccoon, dog, horse, bird, fish) are
  silhouettes, as is a character the prompt or the Bible calls one;
- props are simple shapes, the style grades the picture (noir, sepia, warm …);
- the action (or the prompt) is a caption on a dark band at the bottom;
- the camera pans and zooms slowly, as the seed decides;
- a continuation starts on the parent's last frame and cross-fades into the
  scene over half a second.

The same request renders the same bytes. Frames are built with numpy arrays
and Pillow's C drawing/resampling, and piped as raw RGB into the bundled ffmpeg.

Modules: ``provider`` (tasks and the encoder), ``scene`` (the frame loop),
``shot`` (what the prompt says; its word tables are ``shot_words``), ``cast``
(who is in frame), ``scenery`` (sky, ground, light, weather), ``figures``
(people and props), ``animals``, ``palette`` (the colours entities are painted
in), ``finish`` (caption, grade, first frame). The colour words themselves are
:mod:`app.media.colours`.
"""
from app.media.colours import COLOR_WORDS, parse_color
from app.providers.video.local.palette import hashed_color, signature_color
from app.providers.video.local.provider import LocalVideoProvider, render_clip
from app.providers.video.local.scene import SceneRenderer

__all__ = [
    "COLOR_WORDS", "LocalVideoProvider", "SceneRenderer", "hashed_color", "parse_color", "render_clip",
    "signature_color",
]
