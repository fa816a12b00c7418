"""The shipped Prometheus config and alert rules: promtool checks them and proves each alert fires on the
input that should wake someone (deploy/prometheus/alerts.test.yml) and stays quiet on healthy input."""
from __future__ import annotations

import subprocess

import yaml

from tests.operations.conftest import DEPLOY, need

PROMETHEUS = DEPLOY / "prometheus"


def promtool(*args: str, cwd=PROMETHEUS) -> subprocess.CompletedProcess:
    return subprocess.run([need("promtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_promtool_accepts_the_alert_rules():
    """`promtool check rules` finds all eight rules valid."""
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 8 rules found" in result.stdout


def test_promtool_unit_tests_of_the_alerts_pass():
    """`promtool test rules`: every alert fires on its bad input, with its labels and text, and not on good."""
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_accepts_the_scrape_config(tmp_path):
    """`promtool check config` on the shipped config (its token file stood in for by a local one)."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    (tmp_path / "token").write_text("t")
    for job in config["scrape_configs"]:
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(tmp_path / "token")
    config["rule_files"] = [str(PROMETHEUS / name) for name in config["rule_files"]]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    result = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_rule_is_refused(tmp_path):
    """The check is real: a rule with a syntax error fails it."""
    (tmp_path / "bad.yml").write_text("groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: rate(up[5m]\n")
    assert promtool("check", "rules", "bad.yml", cwd=tmp_path).returncode != 0
