"""The configured backends: video provider, prompt expander, and URLs a provider can fetch."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.providers.llm.base import PromptExpander
from app.providers.video.base import VideoProvider
from app.storage import Storage

#: how long a reference frame's URL stays valid for the provider to fetch it
REFERENCE_URL_SECONDS = 6 * 3600


def video_provider(config: Mapping, name: str | None = None, *, quick: bool = False) -> VideoProvider:
    """The provider called ``name`` (default: VIDEO_PROVIDER) built from config.

    ``quick`` gives one that tries each call once with short timeouts, for calls made while a
    person waits (cancelling a render from a web request).
    """
    name = name or config["VIDEO_PROVIDER"]
    retry = {
        "poll_interval": config["PROVIDER_POLL_SECONDS"],
        "max_wait": config["PROVIDER_MAX_WAIT_SECONDS"],
        "max_attempts": config["PROVIDER_RETRY_ATTEMPTS"],
        "backoff_base": config["PROVIDER_BACKOFF_BASE"],
        "backoff_max": config["PROVIDER_BACKOFF_MAX"],
        "read_timeout": config["PROVIDER_READ_TIMEOUT"],
    }
    if quick:
        retry.update(max_attempts=1, connect_timeout=3.0, read_timeout=5.0)
    if name == "local":
        from app.providers.video.local import LocalVideoProvider

        return LocalVideoProvider(Path(config["WORK_DIR"]) / "local-renders", preset=config["X264_PRESET"])
    if name == "runway":
        from app.providers.video.runway import RunwayProvider

        return RunwayProvider(config["RUNWAY_API_KEY"], base_url=config["RUNWAY_API_BASE"], model=config["RUNWAY_MODEL"],
                              text_model=config["RUNWAY_TEXT_MODEL"], **retry)
    if name == "luma":
        from app.providers.video.luma import LumaProvider

        return LumaProvider(config["LUMA_API_KEY"], base_url=config["LUMA_API_BASE"], model=config["LUMA_MODEL"], **retry)
    raise ValueError(f"unknown VIDEO_PROVIDER {name!r}; use local, runway or luma")


def prompt_expander(config: Mapping) -> PromptExpander:
    """The configured expander. An LLM is wrapped so that its failure hands the prompt to the local
    rule-based expander (unless LLM_FALLBACK is "none"): callers never fail because the LLM did."""
    from app.providers.llm.local import LocalExpander

    if config["LLM_PROVIDER"] != "openai":
        return LocalExpander()
    from app.providers.llm.openai_compat import OpenAICompatExpander

    expander = OpenAICompatExpander(
        config["LLM_BASE_URL"],
        config["LLM_MODEL"],
        api_key=config["LLM_API_KEY"],
        max_attempts=config["PROVIDER_RETRY_ATTEMPTS"],
        max_seconds=config["LLM_MAX_SECONDS"],
        backoff_base=config["PROVIDER_BACKOFF_BASE"],
        backoff_max=config["PROVIDER_BACKOFF_MAX"],
    )
    if config["LLM_FALLBACK"] == "none":
        return expander
    from app.providers.llm.fallback import FallbackExpander

    return FallbackExpander(expander, LocalExpander())


def reference_frame_url(config: Mapping, storage: Storage, key: str) -> str | None:
    """A URL from which a provider can fetch stored ``key`` itself: the storage's own absolute (presigned
    or CDN) URL, else the app's signed media URL under PUBLIC_BASE_URL; None when neither exists."""
    url = storage.url(key, private=True, expires_in=REFERENCE_URL_SECONDS)
    if url.startswith(("https://", "http://")):
        return url
    base = config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}{url}" if base else None
