"""A real Prometheus (Debian's package) scrapes a running site with the shipped scrape config and alert
rules, and the Grafana dashboard asks only for series the site exports."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.extensions import db
from app.models import GenerationJob
from tests.conftest import RUNWAY_KEY, _config
from tests.factories import make_scene, make_user
from tests.operations.conftest import DEPLOY, ROOT, free_port, need, stop, wait_for_http

TOKEN = "scrape-token-for-tests"


@pytest.fixture(scope="module")
def site(tmp_path_factory, redis_url, runway_server):
    """gunicorn (2 processes sharing one metrics folder) and a worker with its own metrics port, on a fresh
    SQLite database and the test Redis: the compose file's layout on one machine."""
    home = tmp_path_factory.mktemp("site")
    database = f"sqlite:///{home / 'site.db'}"
    app = create_app(_config(database, redis_url, home / "instance"))
    app.config.update(VIDEO_PROVIDER="runway", RUNWAY_API_KEY=RUNWAY_KEY, RUNWAY_API_BASE=runway_server.url)
    with app.app_context():
        db.create_all()
        from app.extensions import redis_client

        redis_client().flushdb()
    (home / "web-metrics").mkdir()
    (home / "worker-metrics").mkdir()
    web_port, worker_port = free_port(), free_port()
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(home),
        "FLASK_APP": "wsgi.py", "STORYFORGE_ENV": "development", "SECRET_KEY": "site-secret",
        "DATABASE_URL": database, "REDIS_URL": redis_url, "INSTANCE_DIR": str(home / "instance"),
        "MEDIA_ROOT": str(home / "instance" / "media"), "WORK_DIR": str(home / "instance" / "work"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}", "METRICS_TOKEN": TOKEN, "LOG_FORMAT": "json",
        "VIDEO_PROVIDER": "runway", "RUNWAY_API_KEY": RUNWAY_KEY, "RUNWAY_API_BASE": runway_server.url,
        "PROVIDER_POLL_SECONDS": "0.05", "PROVIDER_BACKOFF_BASE": "0.01", "PROVIDER_BACKOFF_MAX": "0.05",
    }
    logs = (home / "web.log").open("ab"), (home / "worker.log").open("ab")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, stdout=logs[0],
        stderr=subprocess.STDOUT,
        env={**env, "BIND": f"127.0.0.1:{web_port}", "WEB_WORKERS": "2", "WEB_THREADS": "2",
             "PROMETHEUS_MULTIPROC_DIR": str(home / "web-metrics")})
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker"], cwd=ROOT, stdout=logs[1], stderr=subprocess.STDOUT,
        env={**env, "WORKER_METRICS_PORT": str(worker_port), "PROMETHEUS_MULTIPROC_DIR": str(home / "worker-metrics")})
    try:
        wait_for_http(f"http://127.0.0.1:{web_port}/healthz")
        wait_for_http(f"http://127.0.0.1:{worker_port}/metrics")
        yield {"app": app, "web": f"127.0.0.1:{web_port}", "worker": f"127.0.0.1:{worker_port}", "home": home}
    finally:
        stop(web)
        stop(worker)
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def prometheus(site, tmp_path_factory):
    """Prometheus on loopback with the shipped config: same jobs, paths, auth and rules, pointed at the
    site's addresses and scraping every second."""
    binary = need("prometheus")
    home = tmp_path_factory.mktemp("prometheus")
    (home / "token").write_text(TOKEN)
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(DEPLOY / "prometheus" / rules) for rules in config["rule_files"]]
    targets = {"storyforge-web": site["web"], "storyforge-worker": site["worker"]}
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(home / "token")
    (home / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    proc = subprocess.Popen([binary, f"--config.file={home / 'prometheus.yml'}", f"--storage.tsdb.path={home / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=(home / "prometheus.log").open("ab"), stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/-/ready")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def query(prometheus: str, expr: str) -> list[dict]:
    answer = requests.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def eventually(prometheus: str, expr: str, until=bool, timeout: float = 60.0) -> list[dict]:
    """The query's result once ``until(result)`` holds (scrapes arrive every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until(result := query(prometheus, expr)):
            return result
        time.sleep(0.5)
    raise AssertionError(f"Prometheus has no series for {expr} after {timeout} s")


def drive_traffic_and_a_generation(site, writer: str) -> None:
    base = f"http://{site['web']}"
    for path in ("/", "/", "/healthz", "/topics/", "/no-such-page"):
        requests.get(base + path, timeout=10)
    app = site["app"]
    with app.app_context():
        job_id = make_scene(make_user(writer)).job.id
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(GenerationJob, job_id).status == "succeeded":
                return
            time.sleep(0.3)
        raise AssertionError("the worker did not finish the generation in 2 minutes")


def test_prometheus_scrapes_requests_queues_and_generations(site, prometheus):
    """Both targets are up; request, page-cache, queue, worker and generation series arrive; the shipped
    alert rules are loaded and none fires on a healthy site."""
    drive_traffic_and_a_generation(site, "wren")
    both = {"storyforge-web", "storyforge-worker"}
    # a scrape of a worker busy rendering can miss the 1 s timeout now and then: wait for both to be up at once
    up = eventually(prometheus, "up == 1", until=lambda rows: {r["metric"]["job"] for r in rows} == both)
    assert {r["metric"]["job"] for r in up} == both
    home = eventually(prometheus, 'storyforge_http_requests_total{endpoint="main.home", status="200"}')
    assert float(home[0]["value"][1]) >= 2
    assert eventually(prometheus, 'storyforge_http_requests_total{endpoint="unmatched", status="404"}')
    assert eventually(prometheus, 'storyforge_page_cache_requests_total{result="hit"}')
    assert eventually(prometheus, 'storyforge_http_request_duration_seconds_bucket{endpoint="main.home"}')
    depth = eventually(prometheus, 'storyforge_queue_depth{queue="generate"}')
    assert depth[0]["metric"]["job"] == "storyforge-web"
    assert eventually(prometheus, 'storyforge_queue_oldest_job_age_seconds{queue="generate"}')
    assert eventually(prometheus, "storyforge_workers >= 1")
    every_stage = {"moderate", "plan", "reference", "render", "normalize", "check", "package", "publish"}
    eventually(prometheus, 'count by (stage) (storyforge_generation_stage_duration_seconds_count'
                           '{job="storyforge-worker", provider="runway"})',
               until=lambda result: {r["metric"]["stage"] for r in result} >= every_stage)
    outcome = eventually(prometheus, 'storyforge_generation_outcomes_total{outcome="succeeded", provider="runway"}')
    assert float(outcome[0]["value"][1]) == 1
    assert eventually(prometheus, "storyforge_storage_bytes_written_total > 0")
    assert eventually(prometheus, 'storyforge_jobs_total{queue="generate", result="succeeded"}')
    alerts = alert_states(prometheus, until=lambda states: set(states.values()) == {"inactive"})
    assert len(alerts) == 8 and set(alerts.values()) == {"inactive"}, alerts


def alert_states(prometheus: str, until, timeout: float = 30.0) -> dict[str, str]:
    """Each loaded alert rule's state, once ``until(states)`` holds (or the last seen when it never does)."""
    deadline = time.monotonic() + timeout
    while True:
        groups = requests.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
        states = {rule["name"]: rule["state"] for group in groups for rule in group["rules"]}
        if until(states) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def exported_families(site) -> set[str]:
    """Every sample name the site's targets export (histograms also as _bucket/_count/_sum)."""
    texts = [requests.get(f"http://{site['web']}/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=10).text,
             requests.get(f"http://{site['worker']}/metrics", timeout=10).text]
    return {sample.name for text in texts for family in text_string_to_metric_families(text)
            for sample in family.samples} | {"up"}


def dashboard_series(dashboard: dict) -> set[str]:
    """The series names the dashboard's panel queries ask for."""
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    names = set()
    for expr in exprs:
        cleaned = re.sub(r"\{[^}]*\}", "", re.sub(r'"[^"]*"', "", expr))
        names |= {word for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", cleaned)
                  if word.startswith("storyforge_") or word == "up"}
    return names


def test_every_dashboard_query_names_a_series_the_site_exports(site, prometheus, runway_server):
    """Each panel of deploy/grafana/storyforge.json asks for series found on a live scrape (after a render
    that met one busy answer from the provider)."""
    runway_server.fail_next(503, retry_after="0")
    drive_traffic_and_a_generation(site, "tamsin")
    dashboard = json.loads((DEPLOY / "grafana" / "storyforge.json").read_text())
    wanted = dashboard_series(dashboard)
    missing = wanted - exported_families(site)
    assert not missing, f"dashboard queries name series nobody exports: {sorted(missing)}"
    assert len(wanted) >= 12
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            query(prometheus, target["expr"].replace("$__rate_interval", "1m"))  # Prometheus parses each one
