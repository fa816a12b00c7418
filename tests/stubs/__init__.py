"""Local stand-ins for the external HTTP services StoryForge talks to.

Each stub is a real HTTP server on 127.0.0.1 that speaks the provider's documented
protocol and can be scripted (slow tasks, throttling, transient failures, moderation
rejections, expiring output links). Start one from a test::

    with RunwayStub(api_key="k") as stub:
        RunwayProvider("k", base_url=stub.url)...

(``RunwayStub`` lives in ``tests.stubs.runway_stub``, ``LumaStub`` in ``luma_stub``,
``OpenAIStub`` in ``openai_stub``) or by hand, to point the whole site at it::

    python -m tests.stubs.runway_stub --port 8101
    python -m tests.stubs.luma_stub --port 8102
    python -m tests.stubs.openai_stub --port 8103
"""
