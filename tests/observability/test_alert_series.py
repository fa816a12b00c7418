"""Every series the alert rules ask for is one the site exports (or Prometheus's own ``up``)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from app.observability.census import census_registry

ALERTS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"


def exported_names(app) -> set[str]:
    names = set()
    for registry in (REGISTRY, census_registry()):
        for family in registry.collect():
            names.add(family.name)
            if family.type == "counter":
                names.add(family.name + "_total")
            if family.type == "histogram":
                names |= {family.name + suffix for suffix in ("_bucket", "_count", "_sum")}
    return names | {"up"}


def test_alert_rules_name_only_exported_series(app):
    """Each rule's expression names only metrics /metrics serves, so no alert silently watches nothing."""
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    exported = exported_names(app)
    for rule in rules:
        expr = re.sub(r"\{[^}]*\}", "", rule["expr"])
        named = {word for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
                 if word.startswith("storyforge_") or word == "up"}
        assert named, rule["alert"]
        assert named <= exported, (rule["alert"], named - exported)
