"""The local video provider: a procedural renderer that makes real H.264 clips on the CPU.

Nothing here is generative: the clip is drawn from the request so that every
part of the pipeline (queue, progress, normalize, HLS, continuity scoring) runs
for real without a paid API. What is drawn comes from the Scene Bible the
pipeline passes in:

- the location sets the sky, ground and scenery (forest, city, water, desert,
  mountains, interior, space …), the time of day, weather and a colour tint;
- each character is a figure whose coat, hair, skin and trousers take the
  colours its attributes name (``coat: red``) or, failing that, a colour
  derived from its entity id — :func:`signature_color` returns that main
  colour so continuity scoring can look for it;
- props are simple shapes, the style grades the picture (noir, sepia, warm …);
- the action (or the prompt) is a caption on a dark band at the bottom;
- the camera pans and zooms slowly, as the seed decides;
- a continuation starts on the parent's last frame and cross-fades into the
  scene over half a second.

The same request renders the same bytes. Frames are built with numpy arrays
and Pillow's C drawing/resampling, and piped as raw RGB into the bundled ffmpeg.

Modules: ``provider`` (tasks and the encoder), ``scene`` (the frame loop),
``scenery`` (sky, ground, weather), ``figures`` (people and props),
``palette`` (colours from words), ``finish`` (caption, grade, first frame).
"""
from app.providers.video.local.palette import COLOR_WORDS, hashed_color, parse_color, signature_color
from app.providers.video.local.provider import LocalVideoProvider, render_clip
from app.providers.video.local.scene import SceneRenderer

__all__ = [
    "COLOR_WORDS", "LocalVideoProvider", "SceneRenderer", "hashed_color", "parse_color", "render_clip",
    "signature_color",
]
