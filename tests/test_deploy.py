"""The deployment examples (deploy/) say only what Overture reads: every OVERTURE_* variable is a setting
(or a secret's _FILE), every command is one of the CLI's, the API is probed on /healthz and /readyz,
stops get more time than the drain takes, and the dispatcher role runs in processes of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.main import get_command

from overture.cli import app
from overture.config import Settings
from overture.config_secrets import is_secret

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
FIELDS = Settings.model_fields


def _documents() -> dict[str, list[dict[str, Any]]]:
    return {
        "compose": [yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())],
        "kubernetes": list(yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text())),
    }


def _variables(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {k for k in node if isinstance(k, str) and k.startswith("OVERTURE_")}
        name = node.get("name")  # a Kubernetes env entry: {name: OVERTURE_..., value: ...}
        if isinstance(name, str) and name.startswith("OVERTURE_"):
            found.add(name)
        return found | set().union(*(_variables(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_variables(v) for v in node))
    return set()


@pytest.mark.parametrize("kind", ["compose", "kubernetes"])
def test_every_variable_is_a_setting(kind: str) -> None:
    names = _variables(_documents()[kind])

    assert "OVERTURE_DATABASE_URL" in names
    for name in names - {"OVERTURE_SECRETS_DIR"}:
        field = name.removeprefix("OVERTURE_").lower()
        if field.endswith("_file"):
            field = field.removesuffix("_file")
            assert field in FIELDS and is_secret(field, FIELDS[field]), f"{name}: not a secret setting"
        else:
            assert field in FIELDS, f"{name} is not a setting"


def _commands(node: Any) -> list[list[str]]:
    if isinstance(node, dict):
        found = [node[k] for k in ("command", "args") if isinstance(node.get(k), list) and k in node]
        return found + [c for v in node.values() for c in _commands(v)]
    if isinstance(node, list):
        return [c for v in node for c in _commands(v)]
    return []


def test_every_overture_command_is_the_clis() -> None:
    cli = get_command(app)
    commands = [c for docs in _documents().values() for c in _commands(docs)]
    ours = [c for c in commands if c and c[0] in {"api", "worker", "dispatcher", "serve", "db"}]

    assert {c[0] for c in ours} == {"api", "worker", "dispatcher", "db"}
    for command in ours:
        group = cli.commands[command[0]]  # type: ignore[attr-defined]
        if len(command) > 1:
            assert command[1] in group.commands, command  # type: ignore[attr-defined]


def test_the_api_is_probed_and_the_workers_drain_before_they_are_killed() -> None:
    kube = {d["metadata"]["name"]: d for d in _documents()["kubernetes"] if d and d["kind"] == "Deployment"}
    api = kube["overture-api"]["spec"]["template"]["spec"]
    probes = api["containers"][0]
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"
    grace = Settings().shutdown_grace_s
    for name in ("overture-api", "overture-worker", "overture-dispatcher"):
        assert kube[name]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace, name


def test_the_dispatcher_role_has_processes_of_its_own_and_no_worker_dispatches() -> None:
    kube = {d["metadata"]["name"]: d for d in _documents()["kubernetes"] if d and d["kind"] == "Deployment"}
    dispatcher = kube["overture-dispatcher"]["spec"]
    assert dispatcher["template"]["spec"]["containers"][0]["args"] == ["dispatcher"]
    assert dispatcher["replicas"] >= 2  # safe: the once-only jobs run under a lease
    worker_env = kube["overture-worker"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "OVERTURE_WORKER_DISPATCH", "value": "false"} in worker_env
    compose = _documents()["compose"][0]["services"]
    assert compose["dispatcher"]["command"] == ["dispatcher"]
    assert compose["worker"]["environment"]["OVERTURE_WORKER_DISPATCH"] == "false"
    assert not any(s.get("environment", {}).get("OVERTURE_WORKER_DISPATCH") == "true" for s in compose.values())
