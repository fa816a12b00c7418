import pytest

from tests.stubs.luma_stub import LumaStub
from tests.stubs.openai_stub import OpenAIStub

LUMA_KEY = "sk-stub-luma"


@pytest.fixture(scope="session")
def luma_server():
    with LumaStub(api_key=LUMA_KEY) as stub:
        yield stub


@pytest.fixture
def luma_stub(app, luma_server):
    """The Luma stub, reset, with the app pointed at it."""
    luma_server.reset()
    app.config.update(VIDEO_PROVIDER="luma", LUMA_API_KEY=LUMA_KEY, LUMA_API_BASE=luma_server.api_url,
                      JOB_RETRY_DELAYS=[0, 0, 0])
    return luma_server


@pytest.fixture(scope="session")
def llm_server():
    with OpenAIStub() as stub:
        yield stub


@pytest.fixture
def llm_stub(app, llm_server):
    """An OpenAI-compatible chat stub, reset, configured as the app's LLM (2 s budget per expansion)."""
    llm_server.reset()
    app.config.update(LLM_PROVIDER="openai", LLM_BASE_URL=llm_server.api_url, LLM_MAX_SECONDS=2.0,
                      JOB_RETRY_DELAYS=[0, 0, 0])
    return llm_server
