"""The configured backends: video provider, prompt expander, media storage."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.providers.llm.base import PromptExpander
from app.providers.video.base import VideoProvider


def video_provider(config: Mapping, name: str | None = None) -> VideoProvider:
    """The provider called ``name`` (default: VIDEO_PROVIDER) built from config."""
    name = name or config["VIDEO_PROVIDER"]
    retry = {
        "poll_interval": config["PROVIDER_POLL_SECONDS"],
        "max_wait": config["PROVIDER_MAX_WAIT_SECONDS"],
        "max_attempts": config["PROVIDER_RETRY_ATTEMPTS"],
        "backoff_base": config["PROVIDER_BACKOFF_BASE"],
        "backoff_max": config["PROVIDER_BACKOFF_MAX"],
    }
    if name == "local":
        from app.providers.video.local import LocalVideoProvider

        return LocalVideoProvider(Path(config["WORK_DIR"]) / "local-renders", preset=config["X264_PRESET"])
    if name == "runway":
        from app.providers.video.runway import RunwayProvider

        return RunwayProvider(config["RUNWAY_API_KEY"], base_url=config["RUNWAY_API_BASE"], model=config["RUNWAY_MODEL"], **retry)
    if name == "luma":
        from app.providers.video.luma import LumaProvider

        return LumaProvider(config["LUMA_API_KEY"], base_url=config["LUMA_API_BASE"], model=config["LUMA_MODEL"], **retry)
    raise ValueError(f"unknown VIDEO_PROVIDER {name!r}; use local, runway or luma")


def prompt_expander(config: Mapping) -> PromptExpander:
    if config["LLM_PROVIDER"] == "openai":
        from app.providers.llm.openai_compat import OpenAICompatExpander

        return OpenAICompatExpander(
            config["LLM_BASE_URL"],
            config["LLM_MODEL"],
            api_key=config["LLM_API_KEY"],
            max_attempts=config["PROVIDER_RETRY_ATTEMPTS"],
            backoff_base=config["PROVIDER_BACKOFF_BASE"],
            backoff_max=config["PROVIDER_BACKOFF_MAX"],
        )
    from app.providers.llm.local import LocalExpander

    return LocalExpander()
