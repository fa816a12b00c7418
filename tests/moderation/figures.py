"""Frames drawn in the test that NudeNet reads as exposed breasts, and clips made of them."""
from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

SKIN = (140, 170, 225)  # BGR
AREOLA = (110, 120, 190)


def explicit_frame(width: int = 640, height: int = 360) -> np.ndarray:
    """A blurred drawing of a bare torso (BGR): skin-toned breasts with areolae on a dark ground."""
    image = np.full((height, width, 3), 60, np.uint8)
    cx, cy = width // 2, height // 2
    cv2.ellipse(image, (cx, cy + 60), (190, 260), 0, 0, 360, SKIN, -1)
    for x in (cx - 80, cx + 80):
        cv2.circle(image, (x, cy + 20), 70, tuple(int(c * 0.9) for c in SKIN), -1)
        cv2.circle(image, (x, cy + 40), 14, AREOLA, -1)
        cv2.circle(image, (x, cy + 40), 4, tuple(int(c * 0.7) for c in AREOLA), -1)
    return cv2.GaussianBlur(image, (31, 31), 0)


def clean_frame(width: int = 640, height: int = 360) -> np.ndarray:
    """A harbour-ish picture with nothing a nudity detector should find."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2] = (200, 150, 90)
    image[height // 2:] = (120, 90, 40)
    cv2.rectangle(image, (260, 120), (380, 200), (30, 30, 30), -1)
    return image


def clip_of(frames: list[np.ndarray], dest: Path, *, fps: int = 24, seconds_each: float = 1.0) -> Path:
    """An H.264 MP4 with AAC silence: each frame held for ``seconds_each``, in order."""
    height, width = frames[0].shape[:2]
    raw = b"".join(cv2.cvtColor(f, cv2.COLOR_BGR2RGB).tobytes() * int(fps * seconds_each) for f in frames)
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
         "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-shortest",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(dest)],
        input=raw, check=True,
    )
    return dest
