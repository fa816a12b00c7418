"""Key rules, content types and the HMAC URL signer that guards private media."""
from __future__ import annotations

import time

import pytest

from app.storage import UrlSigner, guess_content_type, validate_key, validate_prefix


@pytest.mark.parametrize(
    "key",
    ["segments/1/clip.mp4", "a", "scenes/7/cover_v2.jpg", "x/.hidden", "a..b/c-d_e.f", "k" * 512],
)
def test_safe_keys_are_accepted(key):
    """Ordinary relative keys, up to 512 characters, pass validation unchanged."""
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/segments/1/clip.mp4",
        "segments/../../etc/passwd",
        "..",
        "./clip.mp4",
        "segments\\1\\clip.mp4",
        "segments/1/clip?.mp4",
        "segments//clip.mp4",
        "segments/1/",
        "k" * 513,
        None,
    ],
)
def test_unsafe_keys_are_refused(key):
    """Absolute, traversing, backslashed, odd-charactered, empty-part or over-long keys raise ValueError."""
    with pytest.raises(ValueError):
        validate_key(key)


def test_prefixes_may_end_with_a_slash_but_not_traverse():
    """A prefix may be empty or end in '/', but '..' is still refused."""
    assert validate_prefix("") == ""
    assert validate_prefix("segments/1/") == "segments/1/"
    with pytest.raises(ValueError):
        validate_prefix("segments/../")


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("s/index.m3u8", "application/vnd.apple.mpegurl"),
        ("s/seg_000.m4s", "video/iso.segment"),
        ("s/seg_000.ts", "video/mp2t"),
        ("s/clip.mp4", "video/mp4"),
        ("s/poster.jpg", "image/jpeg"),
        ("s/CAPTIONS.VTT", "text/vtt"),
        ("s/unknown.zzz", "application/octet-stream"),
    ],
)
def test_content_type_comes_from_the_extension(key, content_type):
    """HLS playlists, segments, video, posters and captions get the types players expect."""
    assert guess_content_type(key) == content_type


def test_signer_accepts_its_own_unexpired_signature():
    """A signature made for a key and expiry verifies for exactly that key and expiry."""
    signer = UrlSigner("secret")
    exp = int(time.time()) + 60
    assert signer.verify("segments/1/clip.mp4", str(exp), signer.sign("segments/1/clip.mp4", exp))


@pytest.mark.parametrize(
    "tamper",
    ["other key", "later expiry", "edited signature", "other secret", "garbage expiry", "missing signature"],
)
def test_signer_rejects_tampered_urls(tamper):
    """Changing the key, the expiry or the signature, or signing with another secret, fails verification."""
    signer = UrlSigner("secret")
    key, exp = "segments/1/clip.mp4", int(time.time()) + 60
    sig = signer.sign(key, exp)
    checks = {
        "other key": lambda: signer.verify("segments/2/clip.mp4", exp, sig),
        "later expiry": lambda: signer.verify(key, exp + 3600, sig),
        "edited signature": lambda: signer.verify(key, exp, sig[:-1] + ("0" if sig[-1] != "0" else "1")),
        "other secret": lambda: signer.verify(key, exp, UrlSigner("other").sign(key, exp)),
        "garbage expiry": lambda: signer.verify(key, "tomorrow", sig),
        "missing signature": lambda: signer.verify(key, exp, None),
    }
    assert checks[tamper]() is False


def test_signer_rejects_expired_urls():
    """A valid signature stops working once its expiry time has passed."""
    signer = UrlSigner("secret")
    sig = signer.sign("segments/1/clip.mp4", 1_000)
    assert signer.verify("segments/1/clip.mp4", 1_000, sig, now=999)
    assert not signer.verify("segments/1/clip.mp4", 1_000, sig, now=1_001)
