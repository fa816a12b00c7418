"""/metrics: who may read it, and that requests, the page cache, SQL, queues, generations, providers and
storage are counted."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.models import GenerationJob
from tests.factories import make_scene
from tests.observability.conftest import metric


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


def test_metrics_are_for_this_machine_or_the_token_holder(app, new_client):
    """Without a token only loopback may scrape; with one, only its bearer, from anywhere."""
    assert new_client("203.0.113.9").get("/metrics").status_code == 404
    assert new_client("127.0.0.1").get("/metrics").status_code == 200
    app.config["METRICS_TOKEN"] = "scrape-secret"
    assert new_client("127.0.0.1").get("/metrics").status_code == 404
    outsider = new_client("203.0.113.9")
    assert outsider.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert outsider.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_requests_page_cache_and_sql_are_counted(app, client):
    """Each answer counts by endpoint and status with its latency; a signed-out home is a miss then a hit."""
    before = metric("storyforge_http_requests_total", endpoint="main.healthz", method="GET", status="200")
    latency_before = metric("storyforge_http_request_duration_seconds_count", endpoint="main.healthz", status="200")
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    assert metric("storyforge_http_requests_total", endpoint="main.healthz", method="GET", status="200") == before + 2
    assert metric("storyforge_http_request_duration_seconds_count", endpoint="main.healthz",
                  status="200") == latency_before + 2
    assert metric("storyforge_http_requests_total", endpoint="unmatched", method="GET", status="404") >= 1
    hits, misses = metric("storyforge_page_cache_requests_total", result="hit"), \
        metric("storyforge_page_cache_requests_total", result="miss")
    sql_before = metric("storyforge_sql_statements_per_request_sum")
    client.get("/")
    client.get("/")
    assert metric("storyforge_page_cache_requests_total", result="miss") == misses + 1
    assert metric("storyforge_page_cache_requests_total", result="hit") == hits + 1
    assert metric("storyforge_sql_statements_per_request_sum") > sql_before  # the rendered home asked the database


def test_queue_depth_age_writers_and_backlog_are_read_at_scrape_time(app, client, user):
    """A waiting generation shows as queue depth with its age; its writer is active; an open case is backlog."""
    make_scene(user)
    samples = scrape(client)
    assert samples[("storyforge_queue_depth", (("queue", "generate"),))] == 1
    assert samples[("storyforge_queue_depth", (("queue", "media"),))] == 0
    assert samples[("storyforge_queue_oldest_job_age_seconds", (("queue", "generate"),))] >= 0
    assert samples[("storyforge_active_writers", ())] == 1
    assert samples[("storyforge_moderation_backlog", ())] == 0
    assert samples[("storyforge_workers", ())] == 0

    from app.extensions import db
    from app.moderation.cases import open_case

    open_case("user", str(user.id), source="report", severity=40, summary="spam", writer_id=user.id)
    db.session.commit()
    assert scrape(client)[("storyforge_moderation_backlog", ())] == 1  # the dashboard's count, exported


def test_a_generation_counts_its_stages_outcome_provider_errors_and_bytes(app, user, runway_stub, observed_worker):
    """A render through a provider that answers 503 once: a retry and an error are counted, every stage is
    timed under the provider, the success is counted, and the media bytes stored are added up."""
    runway_stub.fail_next(503, retry_after="0")
    errors = metric("storyforge_provider_http_errors_total", provider="Runway", kind="http_503")
    retries = metric("storyforge_provider_http_retries_total", provider="Runway")
    succeeded = metric("storyforge_generation_outcomes_total", outcome="succeeded", code="", provider="runway")
    renders = metric("storyforge_generation_stage_duration_seconds_count", stage="render", provider="runway")
    written = metric("storyforge_storage_bytes_written_total", backend="local")
    jobs_ok = metric("storyforge_jobs_total", queue="generate", result="succeeded")
    job_id = make_scene(user).job.id
    observed_worker()
    assert db.session.get(GenerationJob, job_id).status == "succeeded"
    assert metric("storyforge_provider_http_errors_total", provider="Runway", kind="http_503") == errors + 1
    assert metric("storyforge_provider_http_retries_total", provider="Runway") == retries + 1
    assert metric("storyforge_generation_outcomes_total", outcome="succeeded", code="",
                  provider="runway") == succeeded + 1
    assert metric("storyforge_generation_stage_duration_seconds_count", stage="render",
                  provider="runway") == renders + 1
    media = app.extensions["sf_storage"].total_bytes("")
    assert metric("storyforge_storage_bytes_written_total", backend="local") - written == media > 0
    assert metric("storyforge_jobs_total", queue="generate", result="succeeded") == jobs_ok + 1


def test_a_refused_generation_counts_its_error_code(app, user, runway_stub, observed_worker):
    """A provider's safety refusal is a failed outcome under the provider's code."""
    before = metric("storyforge_generation_outcomes_total", outcome="failed", code="SAFETY.INPUT.TEXT",
                    provider="runway")
    make_scene(user, prompt="Mara walks into the storm [[safety]]")
    observed_worker()
    assert metric("storyforge_generation_outcomes_total", outcome="failed", code="SAFETY.INPUT.TEXT",
                  provider="runway") == before + 1


def test_probes_and_scrapes_by_pod_address_pass_the_host_pin(app):
    """With TRUSTED_HOSTS set, a kubelet or Prometheus calling by IP gets /healthz, /readyz and /metrics,
    while any other page under that Host is still refused."""
    from app import create_app
    from tests.conftest import _config

    cfg = type("Pinned", (_config(app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"],
                                  app.config["INSTANCE_DIR"]),),
               {"TRUSTED_HOSTS": ["storyforge.example"], "METRICS_TOKEN": "scrape-secret"})
    pinned = create_app(cfg).test_client()
    by_ip = {"Host": "10.0.3.7:8000"}
    assert pinned.get("/healthz", headers=by_ip).status_code == 200
    assert pinned.get("/readyz", headers=by_ip).status_code == 200
    assert pinned.get("/metrics", headers={**by_ip, "Authorization": "Bearer scrape-secret"}).status_code == 200
    assert pinned.get("/metrics", headers=by_ip).status_code == 404
    assert pinned.get("/", headers=by_ip).status_code == 400
    assert pinned.get("/", headers={"Host": "storyforge.example"}).status_code == 200
