"""The deploy files pass the validators that run on this machine: hadolint, the Compose schema, the
Kubernetes schemas (kubernetes-validate) for the rendered manifests, checkov, yamllint, the GitHub
workflow schema and ``terraform fmt``. ``terraform validate`` needs the AWS provider downloaded and
``docker build`` needs a daemon; neither is available here, and those tests say so when they skip."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from redis import Redis
from rq import Queue

from tests.operations.conftest import DEPLOY, ROOT

BIN = Path(sys.executable).parent
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def run(*command, cwd=ROOT, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def render_kustomization(folder: Path) -> list[dict]:
    """The manifests ``kubectl apply -k`` would send: each resource with the namespace, the common labels
    and the image name the kustomization sets (it uses no patches)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    images = {image["name"]: f"{image['newName']}:{image['newTag']}" for image in kustomization.get("images", [])}
    labels = {k: v for entry in kustomization.get("labels", []) for k, v in entry["pairs"].items()}
    rendered = []
    for resource in kustomization["resources"]:
        for document in yaml.safe_load_all((folder / resource).read_text()):
            if document is None:
                continue
            metadata = document.setdefault("metadata", {})
            if document["kind"] != "Namespace":
                metadata["namespace"] = kustomization["namespace"]
            metadata.setdefault("labels", {}).update(labels)
            for container in _containers(document):
                container["image"] = images.get(container["image"], container["image"])
            rendered.append(document)
    return rendered


def _containers(document: dict) -> list[dict]:
    spec = document.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    return pod.get("containers", [])


@pytest.fixture(scope="module")
def manifests(tmp_path_factory) -> tuple[list[dict], Path]:
    documents = render_kustomization(DEPLOY / "k8s")
    path = tmp_path_factory.mktemp("k8s") / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return documents, path


def test_hadolint_passes_the_dockerfile():
    """No hadolint finding (non-root user, pinned packages, JSON-form commands)."""
    result = run(BIN / "hadolint", DEPLOY / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_is_multi_stage_non_root_with_a_health_check():
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 3
    assert "USER 10001:10001" in text and "HEALTHCHECK" in text and "/healthz" in text
    assert "hls.min.js" in text and "/opt/venv" in text


def test_compose_file_matches_the_compose_schema_and_runs_the_whole_stack():
    result = run(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert {"db", "cache", "objects", "web", "worker", "prometheus", "grafana", "migrate"} <= set(services)


def test_rendered_manifests_match_the_kubernetes_schemas(manifests):
    """kubernetes-validate accepts every built-in kind; KEDA's kinds (CRDs) are checked below instead."""
    documents, path = manifests
    result = run(BIN / "kubernetes-validate", "--strict", path)
    assert result.returncode == 0, result.stdout + result.stderr
    validated = result.stdout + result.stderr
    for kind in ("deployment/web", "deployment/worker", "horizontalpodautoscaler/web", "job/migrate",
                 "poddisruptionbudget/web", "poddisruptionbudget/worker"):
        assert f"passed for resource {kind}" in validated, kind


def test_manifests_probe_scale_and_keep_secrets_in_existing_secrets(manifests):
    """Probes on /healthz and /readyz, an HPA on the web, KEDA scaling workers on the generate queue's real
    Redis key, PDBs selecting real pods, a migration Job, and secrets only from the existing Secret."""
    documents, _ = manifests
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    web = _containers(by_kind["Deployment"]["web"])[0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert by_kind["HorizontalPodAutoscaler"]["web"]["spec"]["scaleTargetRef"]["name"] == "web"
    scaled = by_kind["ScaledObject"]["worker"]["spec"]
    assert scaled["scaleTargetRef"]["name"] in by_kind["Deployment"]
    assert scaled["triggers"][0]["metadata"]["listName"] == Queue("generate", connection=Redis()).key
    assert scaled["triggers"][0]["authenticationRef"]["name"] in by_kind["TriggerAuthentication"]
    pod_labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in by_kind["Deployment"].items()}
    for budget in by_kind["PodDisruptionBudget"].values():
        wanted = budget["spec"]["selector"]["matchLabels"]
        assert any(wanted.items() <= labels.items() for labels in pod_labels.values()), budget["metadata"]["name"]
    assert "flask db upgrade" in " ".join(_containers(by_kind["Job"]["migrate"])[0]["command"])
    config = by_kind["ConfigMap"]["storyforge-config"]["data"]
    assert not {k for k in config if k.endswith(("KEY", "TOKEN", "PASSWORD", "DSN"))}
    for deployment in [*by_kind["Deployment"].values(), by_kind["Job"]["migrate"]]:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert any(v.get("secret", {}).get("secretName") == "storyforge-secrets" for v in pod["volumes"])


def test_yamllint_passes_every_yaml_file():
    result = run(BIN / "yamllint", "-c", ROOT / ".yamllint.yaml", "deploy", ".github", ".yamllint.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_github_workflow_matches_its_schema():
    result = run(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows",
                 ROOT / ".github" / "workflows" / "ci.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_is_formatted():
    """``terraform fmt -check``; ``terraform validate`` would need the AWS provider, which cannot be fetched here."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed on this machine; checkov checks the Terraform below")
    result = run("terraform", "fmt", "-check", "-recursive", DEPLOY / "terraform")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("framework, target", [
    ("dockerfile", "deploy/Dockerfile"),
    ("kubernetes", None),
    ("terraform", "deploy/terraform"),
])
def test_checkov_passes(framework, target, manifests):
    """checkov (its own virtualenv, .venv-checkov, which .ci/run makes) finds nothing on the deploy files;
    the checks skipped in deploy/checkov.yaml each say why."""
    if not CHECKOV.exists():
        pytest.fail("checkov is not installed: python3 -m venv .venv-checkov && .venv-checkov/bin/pip install "
                    "checkov==3.3.30 (.ci/run does this)")
    target = manifests[1] if target is None else ROOT / target
    flag = "-d" if Path(target).is_dir() else "-f"
    result = run(CHECKOV, "--config-file", DEPLOY / "checkov.yaml", "--framework", framework, flag, target,
                 "--compact", "--quiet", timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_the_image_builds_and_serves_when_a_container_engine_runs():
    engine = next((tool for tool in ("docker", "podman") if shutil.which(tool)
                   and run(tool, "info", timeout=30).returncode == 0), None)
    if engine is None:
        pytest.skip("no container engine runs on this machine (the docker client is here, no daemon): "
                    "the image is checked by hadolint and checkov only")
    result = run(engine, "build", "-f", DEPLOY / "Dockerfile", "-t", "storyforge:test", ".", timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
