"""Media work on the publish path, all through the ffmpeg binary imageio-ffmpeg ships.

``probe`` reads a clip, ``normalize`` brings it to the house format, ``frames``
takes reference stills, posters and thumbnails, ``hls`` packages a segment once
and joins segments' playlists, ``concat`` makes the progressive MP4 of a branch.
Failures raise ``app.media.ffmpeg.MediaError``.
"""
