#!/usr/bin/env python3
"""Side-by-side benchmark: the generated service against a hand-written FastAPI app.

    python3 bench/run.py                      # generate, measure, print, write JSON
    python3 bench/run.py --project DIR        # reuse an already generated service
    python3 bench/run.py --rounds 3 --duration 2   # a quicker, noisier run

What it does, in one run, all on 127.0.0.1:

1. Generates the default service from this template with copier into a temp
   dir (project_name "Bench Service") and `uv sync`s it, or reuses --project.
2. Creates a fresh SQLite file with the service's own `db upgrade`, starts the
   service with its own `serve` command in production mode, and starts
   `bench/baseline_app.py` with the service's venv interpreter (identical
   library versions) and the same uvicorn settings, against the same file.
3. Seeds products through the service's POST endpoint and checks both apps
   return the same data.
4. Warms up, then measures interleaved rounds (ours, baseline, baseline,
   ours, ...) of each endpoint pair with wrk (or bench/loadgen.py when wrk is
   missing) and takes medians.
5. Prints a table (req/s, p99, ratio) and pass/fail against the targets,
   writes bench/results/<timestamp>.json, and stops both servers.

Only stdlib; runs with any Python >= 3.11. Every request loop is bounded in
time (--duration per measurement) and every subprocess has a timeout.
Exit status: 0 all targets met, 1 a target missed, 2 the run itself failed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
COPIER_VERSION = "9.19.1"
HOST = "127.0.0.1"

# Prepended to the servers' and the load generator's command lines (`--nice`).
LAUNCH_PREFIX: list[str] = []

# Our stack must reach this fraction of the hand-written app's req/s.
TARGETS = {"item": 0.85, "list": 0.85, "health": 0.90}


class BenchError(RuntimeError):
    """The run could not be carried out (not: a target was missed)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- subprocess helpers -----------------------------------------------------


def run_cmd(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float
) -> subprocess.CompletedProcess[str]:
    log("$ " + shlex.join(argv))
    try:
        result = subprocess.run(
            argv, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out after {timeout:.0f}s: {shlex.join(argv)}") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        raise BenchError(f"exit {result.returncode}: {shlex.join(argv)}\n{tail}")
    return result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def python_env() -> dict[str, str]:
    """The environment for uv/copier: make pyenv expose every 3.11+ interpreter to uv.

    Under pyenv, `python3` shims export PYENV_VERSION as the one version they
    picked, and uv then sees only that interpreter through the shims (and
    tries to download another). Add every installed 3.11+ version to it.
    """
    env = dict(os.environ)
    if shutil.which("pyenv"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                ["pyenv", "versions", "--bare"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout.split()
            current = [v for v in env.get("PYENV_VERSION", "").split(":") if v]
            wanted = [v for v in out if re.fullmatch(r"3\.(1[1-9])\.\d+", v) and v not in current]
            if wanted:
                env["PYENV_VERSION"] = ":".join(current + wanted)
    return env


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine so far, from /proc/stat.

    Busy is user + nice + system: interrupt and softirq time (loopback TCP
    is processed there) is left out, as it is not charged to any process.
    """
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    tick = os.sysconf("SC_CLK_TCK")
    del irq, softirq
    return (user + nice + system) / tick, steal / tick


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc; 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def production_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    """A generated service's environment in production mode: JSON logs, loopback as its host."""
    return {
        **env,
        "ENVIRONMENT": "prod",
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        # Prod refuses to start without the Host names it serves.
        "TRUSTED_HOSTS": f'["{HOST}"]',
        "LOG_JSON": "true",
        **extra,
    }


# --- HTTP helpers (setup and checks only; the load comes from wrk) ----------


def http_json(
    method: str,
    url: str,
    body: Any = None,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    elif form is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return exc.code, json.loads(payload or b"null")
        except ValueError:
            return exc.code, payload.decode(errors="replace")


# --- servers ----------------------------------------------------------------


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    ready_path: str
    log_path: Path
    cpu_list: str | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        argv = self.argv
        if self.cpu_list is not None:
            argv = ["taskset", "-c", self.cpu_list, *argv]
        argv = [*LAUNCH_PREFIX, *argv]
        log(f"starting {self.name} on :{self.port}: {shlex.join(argv)}")
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        # What the probe last got: a 503 from a service that cannot reach its
        # database says more than the server's log, which skips health checks.
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                status, body = http_json("GET", self.base_url + self.ready_path, timeout=2.0)
            except (OSError, ValueError) as exc:
                last = f"no answer ({exc})"
            else:
                if status == 200:
                    return
                last = f"{status} {body!r:.300}"
            time.sleep(0.2)
        raise BenchError(
            f"{self.name} not ready after {timeout:.0f}s; {self.ready_path} last answered: "
            f"{last}\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        log(f"stopping {self.name} (pid {proc.pid})")
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- load generation --------------------------------------------------------

WRK_LUA = """\
-- generated by bench/run.py: cycle through the paths, print a JSON summary
local paths = {%(paths)s}
%(headers)s
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,' ..
    '"errors":{"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d},"latency_us":{"mean":%%.1f,"p50":%%d,"p90":%%d,"p99":%%d,' ..
    '"p999":%%d,"max":%%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
"""


@dataclass
class LoadClient:
    kind: str  # "wrk" or "python"
    connections: int
    python: str  # interpreter for the fallback client
    work_dir: Path
    cpu_list: str | None = None
    max_requests: int = 2_000_000
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 5.0  # seconds before the client gives a request up

    def describe(self) -> str:
        if self.kind == "wrk":
            version = subprocess.run(
                ["wrk", "--version"], capture_output=True, text=True, timeout=10, check=False
            )
            first = (version.stdout + version.stderr).strip().splitlines()[:1]
            return f"wrk -t1 -c{self.connections} ({first[0] if first else 'version unknown'})"
        return f"bench/loadgen.py -c{self.connections} (asyncio, stdlib)"

    def run(self, base_url: str, paths: list[str], duration: float, tag: str) -> dict[str, Any]:
        if self.kind == "wrk":
            script = self.work_dir / f"wrk-{tag}.lua"
            if not script.exists():
                headers = "\n".join(
                    f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}"
                    for k, v in self.headers.items()
                )
                script.write_text(
                    WRK_LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "headers": headers}
                )
            argv = [
                "wrk",
                "-t1",
                f"-c{self.connections}",
                f"-d{duration:g}s",
                "--timeout",
                f"{self.timeout:g}s",
                "-s",
                str(script),
                base_url,
            ]
        else:
            argv = [
                self.python,
                str(BENCH_DIR / "loadgen.py"),
                "--url",
                base_url,
                "--connections",
                str(self.connections),
                "--duration",
                f"{duration:g}",
                "--max-requests",
                str(self.max_requests),
            ]
            for p in paths:
                argv += ["--path", p]
            for k, v in self.headers.items():
                argv += ["--header", f"{k}: {v}"]
        if self.cpu_list is not None:
            argv = ["taskset", "-c", self.cpu_list, *argv]
        argv = [*LAUNCH_PREFIX, *argv]
        try:
            out = subprocess.run(
                argv, capture_output=True, text=True, timeout=duration + 60, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"load generator timed out: {shlex.join(argv)}") from exc
        line = next(
            (ln for ln in out.stdout.splitlines() if ln.startswith(("BENCH_JSON ", "{"))), None
        )
        if out.returncode != 0 or line is None:
            raise BenchError(f"load generator failed ({out.returncode}): {out.stdout}{out.stderr}")
        raw = json.loads(line.removeprefix("BENCH_JSON "))
        seconds = raw["duration_us"] / 1e6
        return {
            "requests": raw["requests"],
            "seconds": round(seconds, 3),
            "rps": raw["requests"] / seconds if seconds else 0.0,
            "p50_ms": raw["latency_us"]["p50"] / 1000,
            "p90_ms": raw["latency_us"]["p90"] / 1000,
            "p99_ms": raw["latency_us"]["p99"] / 1000,
            "p999_ms": raw["latency_us"]["p999"] / 1000,
            "max_ms": raw["latency_us"]["max"] / 1000,
            "errors": raw["errors"],
        }


# --- the run ----------------------------------------------------------------


@dataclass
class Pair:
    """One endpoint measured on both sides."""

    key: str
    label: str
    ours_paths: list[str]
    base_paths: list[str]
    samples: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"ours": [], "base": []}
    )


def find_copier(explicit: str | None) -> list[str]:
    if explicit:
        return shlex.split(explicit)
    for candidate in (shutil.which("copier"), str(Path.home() / ".local/bin/copier")):
        if candidate and Path(candidate).exists():
            return [candidate]
    if shutil.which("uvx"):
        return ["uvx", f"copier=={COPIER_VERSION}"]
    raise BenchError("copier not found: install it (uv tool install copier) or pass --copier")


def generate(
    dest: Path,
    copier: list[str],
    env: dict[str, str],
    template: Path,
    vcs_ref: str,
    data: list[str],
) -> None:
    argv = [*copier, "copy", "--trust", "--defaults", "--data", "project_name=Bench Service"]
    for item in data:
        argv += ["--data", item]
    if vcs_ref:
        argv += ["--vcs-ref", vcs_ref]
    run_cmd([*argv, str(template), str(dest)], env=env, timeout=600)


def project_names(project: Path) -> tuple[str, str]:
    """(slug, package) of a generated project, read from its pyproject.toml."""
    data = tomllib.loads((project / "pyproject.toml").read_text())
    slug = data["project"]["name"]
    target = data["project"]["scripts"][slug]
    return slug, target.split(".", 1)[0]


def collect_versions(python: str) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, platform\n"
        "names = ['fastapi','starlette','pydantic','pydantic-core','sqlalchemy','aiosqlite',"
        "'uvicorn','uvloop','httptools','structlog']\n"
        "out = {'python': platform.python_version()}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {}


VERSION_NAMES = ("python", "fastapi", "starlette", "pydantic", "sqlalchemy", "aiosqlite", "uvicorn")
PRODUCT_STATUSES = ("active", "active", "draft", "discontinued")


def read_answers(project: Path) -> dict[str, str]:
    """The flat `key: value` answers copier recorded (enough for the few the bench reads)."""
    answers = {}
    path = project / ".copier-answers.yml"
    if path.exists():
        for line in path.read_text().splitlines():
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):\s*(.*?)\s*$", line)
            if m:
                answers[m.group(1)] = m.group(2).strip("'\"")
    return answers


def jwt_claims(token: str) -> dict[str, Any]:
    """The (unverified) header and payload of a JWT, to configure the baseline alike."""

    def part(segment: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, payload, _sig = token.split(".")
    return {**part(payload), "alg": part(header).get("alg", "HS256")}


def sign_in(service: Server, email: str, password: str) -> str:
    status, payload = http_json(
        "POST",
        service.base_url + "/api/v1/auth/token",
        form={"username": email, "password": password},
        timeout=30.0,
    )
    if status != 200 or not isinstance(payload, dict) or "access_token" not in payload:
        raise BenchError(f"sign-in failed: {status} {payload}")
    return str(payload["access_token"])


def seed(service: Server, count: int, headers: dict[str, str]) -> list[str]:
    ids = []
    for n in range(1, count + 1):
        body: dict[str, Any] = {
            "sku": f"SKU-{n:04d}",
            "name": f"Widget {n}",
            "price_cents": 100 + 37 * n,
            "currency": "EUR",
            "stock": n % 17,
            "status": PRODUCT_STATUSES[n % len(PRODUCT_STATUSES)],
        }
        if n % 2:
            body["description"] = f"A sturdy widget, model {n}, for benchmarking."
        if n % 3 == 0:
            body["released_on"] = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
        status, payload = http_json(
            "POST", service.base_url + "/api/v1/products", body, headers=headers
        )
        if status != 201 or not isinstance(payload, dict) or "id" not in payload:
            raise BenchError(f"seeding failed at product {n}: {status} {payload}")
        ids.append(str(payload["id"]))
    return ids


def check_same_data(
    ours: Server, base: Server, pairs: list[Pair], headers: dict[str, str]
) -> list[str]:
    """Both sides must answer 200 with the same products; warns of cosmetic differences."""
    warnings = []
    for pair in pairs:
        s1, b1 = http_json("GET", ours.base_url + pair.ours_paths[0], headers=headers)
        s2, b2 = http_json("GET", base.base_url + pair.base_paths[0], headers=headers)
        if s1 != 200 or s2 != 200:
            raise BenchError(f"{pair.label}: ours {s1} {b1!r:.200}, baseline {s2} {b2!r:.200}")
        if pair.key == "item" and (b1.get("id"), b1.get("sku")) != (b2.get("id"), b2.get("sku")):
            raise BenchError(f"{pair.label}: different products: {b1} vs {b2}")
        if pair.key == "list":
            ids1 = [i["id"] for i in b1["items"]]
            ids2 = [i["id"] for i in b2["items"]]
            if ids1 != ids2 or b1["total"] != b2["total"]:
                raise BenchError(
                    f"{pair.label}: different pages (total {b1['total']} vs {b2['total']})"
                )
        if pair.key in ("item", "list"):
            one = b1 if pair.key == "item" else b1["items"][0]
            two = b2 if pair.key == "item" else b2["items"][0]
            if set(one) != set(two):
                warnings.append(f"{pair.label}: fields differ: {sorted(set(one) ^ set(two))}")
            diff = [k for k in one if k in two and one[k] != two[k]]
            if diff:
                warnings.append(
                    f"{pair.label}: values rendered differently for {diff} "
                    f"(e.g. {diff[0]}: {one[diff[0]]!r} vs {two[diff[0]]!r})"
                )
        if pair.key == "health" and b1 != b2:
            warnings.append(f"{pair.label}: bodies differ: {b1} vs {b2}")
    return warnings


def measure_one(
    client: LoadClient, server: Server, pair: Pair, side: str, duration: float
) -> dict[str, Any]:
    assert server.proc is not None
    paths = pair.ours_paths if side == "ours" else pair.base_paths
    cpu0 = cpu_seconds(server.proc.pid)
    client0 = children_cpu_seconds()
    busy0, steal0 = machine_busy_seconds()
    window0 = time.monotonic()
    sample = client.run(server.base_url, paths, duration, tag=f"{pair.key}-{side}")
    window = time.monotonic() - window0
    busy1, steal1 = machine_busy_seconds()
    cpu = cpu_seconds(server.proc.pid) - cpu0
    client_cpu = children_cpu_seconds() - client0
    sample["server_cpu_s"] = round(cpu, 3)
    sample["client_cpu_s"] = round(client_cpu, 3)
    # CPU used by anything else on the machine meanwhile (other jobs, the idle
    # server, the kernel's share not charged to either); high values mean noise.
    sample["other_cpu_s"] = round(max(0.0, (busy1 - busy0) - cpu - client_cpu), 3)
    sample["steal_cpu_s"] = round(steal1 - steal0, 3)
    sample["window_s"] = round(window, 3)  # the load generator's whole run, start-up included
    sample["server_cpu_us_per_req"] = (
        round(cpu / sample["requests"] * 1e6, 1) if sample["requests"] else None
    )
    if server.proc.poll() is not None:
        raise BenchError(f"{server.name} died during the run:\n{server.log_tail()}")
    return sample


def other_cpu_cores(servers: list[Server], seconds: float = 0.5) -> float:
    """Cores used by everything but our servers over a short probe (run.py itself sleeps)."""
    pids = [s.proc.pid for s in servers if s.proc is not None]
    ours0 = sum(cpu_seconds(p) for p in pids)
    busy0, _ = machine_busy_seconds()
    time.sleep(seconds)
    busy1, _ = machine_busy_seconds()
    ours1 = sum(cpu_seconds(p) for p in pids)
    return max(0.0, (busy1 - busy0) - (ours1 - ours0)) / seconds


class QuietGate:
    """Waits (within a total budget) until other processes leave the CPUs alone."""

    def __init__(self, servers: list[Server], max_other: float, budget_s: float) -> None:
        self.servers, self.max_other, self.budget_s = servers, max_other, budget_s
        self.waited_s = 0.0

    def wait(self) -> float:
        """Returns the other processes' load (cores) at the last probe."""
        load = other_cpu_cores(self.servers)
        while load > self.max_other and self.waited_s < self.budget_s:
            if self.waited_s == 0.0:
                log(
                    f"machine busy (other processes use {load:.2f} cores); "
                    f"waiting up to {self.budget_s:.0f}s in total"
                )
            time.sleep(1.0)
            self.waited_s += 1.5
            load = other_cpu_cores(self.servers)
        return load


def summarize(pair: Pair) -> dict[str, Any]:
    out: dict[str, Any] = {"endpoint": pair.label, "target": TARGETS[pair.key]}
    for side in ("ours", "base"):
        samples = pair.samples[side]
        out[side] = {
            "rps_median": statistics.median(s["rps"] for s in samples),
            "rps_min": min(s["rps"] for s in samples),
            "rps_max": max(s["rps"] for s in samples),
            "p50_ms_median": statistics.median(s["p50_ms"] for s in samples),
            "p99_ms_median": statistics.median(s["p99_ms"] for s in samples),
            "cpu_us_per_req_median": statistics.median(
                s["server_cpu_us_per_req"] or 0.0 for s in samples
            ),
            "errors": sum(sum(s["errors"].values()) for s in samples),
            "other_cpu_cores_max": max(s["other_cpu_s"] / s["window_s"] for s in samples),
        }

    def ratio(a: float, b: float) -> float:
        return a / b if b else 0.0

    out["ratio"] = ratio(out["ours"]["rps_median"], out["base"]["rps_median"])
    paired = [
        ratio(o["rps"], b["rps"])
        for o, b in zip(pair.samples["ours"], pair.samples["base"], strict=True)
    ]
    out["paired_ratios"] = [round(r, 3) for r in paired]
    out["p99_ratio"] = ratio(out["ours"]["p99_ms_median"], out["base"]["p99_ms_median"])
    # Requests per CPU-second of the server, ours / baseline: what the ratio would be if
    # both servers had had the same CPU time; steadier than req/s on a busy machine.
    out["cpu_ratio"] = ratio(
        out["base"]["cpu_us_per_req_median"], out["ours"]["cpu_us_per_req_median"]
    )
    out["valid"] = (
        out["ours"]["errors"] == 0 and out["base"]["errors"] == 0 and out["base"]["rps_median"] > 0
    )
    out["passed"] = out["valid"] and out["ratio"] >= out["target"]
    return out


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'endpoint':<28} {'ours req/s':>10} {'ours p99':>9} {'base req/s':>10} {'base p99':>9} "
        f"{'ratio':>6} {'(rounds)':>11} {'target':>7} {'result':<7} {'cpu ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        o, b = row["ours"], row["base"]
        verdict = "PASS" if row["passed"] else ("INVALID" if not row["valid"] else "FAIL")
        spread = f"{min(row['paired_ratios']):.2f}..{max(row['paired_ratios']):.2f}"
        print(
            f"{row['endpoint']:<28} {o['rps_median']:>10.0f} {o['p99_ms_median']:>7.1f}ms "
            f"{b['rps_median']:>10.0f} {b['p99_ms_median']:>7.1f}ms {row['ratio']:>5.2f}x "
            f"{spread:>11} {'>=' + format(row['target'], '.2f'):>7} {verdict:<7} "
            f"{row['cpu_ratio']:>8.2f}x"
        )
    print(
        "ratio: median req/s, ours / baseline (the target applies to it); (rounds): the per-round\n"
        "ratios; cpu ratio: requests per server CPU-second, ours / baseline. INVALID: errors."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--project", type=Path, help="reuse this generated service instead of generating one"
    )
    parser.add_argument(
        "--template", type=Path, default=REPO_ROOT, help="template to generate from"
    )
    parser.add_argument(
        "--vcs-ref",
        default="HEAD",
        help="template ref for copier ('' for copier's default, the latest tag); "
        "uncommitted changes are included",
    )
    parser.add_argument(
        "--copier",
        help="copier command (default: copier on PATH, ~/.local/bin/copier, "
        f"or uvx copier=={COPIER_VERSION})",
    )
    parser.add_argument("--no-sync", action="store_true", help="with --project: skip `uv sync`")
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra copier answer for the generated service, e.g. auth=none (repeatable)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved measurement rounds")
    parser.add_argument(
        "--duration",
        type=int,
        default=4,
        help="seconds per measurement (whole seconds: wrk takes no fractions)",
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="warm-up seconds per endpoint and side (0: none)"
    )
    parser.add_argument(
        "--connections", type=int, default=16, help="concurrent keep-alive connections"
    )
    parser.add_argument(
        "--seed-count", type=int, default=50, help="products to create before measuring"
    )
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="load generator"
    )
    parser.add_argument(
        "--pin",
        choices=("auto", "on", "off"),
        default="auto",
        help="pin the servers to CPU 0 and the load generator to the others "
        "(auto: with taskset and >= 2 CPUs)",
    )
    parser.add_argument(
        "--service-launch",
        choices=("serve", "uvicorn"),
        default="serve",
        help="start the service with its own `serve` command, or with the baseline's uvicorn "
        "command line",
    )
    parser.add_argument(
        "--max-other-cpu",
        type=float,
        default=0.25,
        help="cores other processes may use during a measurement before it counts as noisy",
    )
    parser.add_argument(
        "--retries", type=int, default=6, help="noisy measurement pairs measured again (in total)"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run both servers and the load generator at this nice level; a negative one "
        "(as root) shields the measurement from other jobs on a shared machine",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="seconds to wait in total for other processes to quieten down",
    )
    parser.add_argument(
        "--json", type=Path, help="results file (default bench/results/<timestamp>.json)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir (generated project, db, logs)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 50 or not 1 <= args.duration <= 60 or not 0 <= args.warmup <= 60:
        parser.error("bounds: 1 <= --rounds <= 50, 1 <= --duration <= 60, 0 <= --warmup <= 60")
    if not 1 <= args.connections <= 512 or not 1 <= args.seed_count <= 1000:
        parser.error("bounds: 1 <= --connections <= 512, 1 <= --seed-count <= 1000")
    if not -20 <= args.nice <= 19:
        parser.error("bounds: -20 <= --nice <= 19")
    if args.nice:
        LAUNCH_PREFIX[:] = ["nice", "-n", str(args.nice)]
    if not 0 <= args.retries <= 50 or not 0 <= args.quiet_wait <= 1800:
        parser.error("bounds: 0 <= --retries <= 50, 0 <= --quiet-wait <= 1800")

    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix="fastapi-bench-"))
    servers: list[Server] = []

    def _on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _on_signal)
    try:
        env = python_env()
        # 1. The service.
        if args.project:
            project = args.project.resolve()
            if not args.no_sync:
                run_cmd(["uv", "sync", "--quiet"], cwd=project, env=env, timeout=900)
        else:
            project = work / "bench-service"
            t0 = time.monotonic()
            generate(
                project,
                find_copier(args.copier),
                env,
                args.template.resolve(),
                args.vcs_ref,
                args.data,
            )
            run_cmd(["uv", "sync", "--quiet"], cwd=project, env=env, timeout=900)
            log(f"generated and synced in {time.monotonic() - t0:.1f}s")
        slug, package = project_names(project)
        venv_bin = project / ".venv" / "bin"
        python = str(venv_bin / "python")
        if not (venv_bin / slug).exists():
            raise BenchError(f"{venv_bin / slug} missing: run `uv sync` in {project}")
        versions = collect_versions(python)
        answers = read_answers(project)
        auth = answers.get("auth", "none")
        if auth not in ("none", "jwt", "jwt_and_api_key"):
            raise BenchError(
                f"auth={auth}: the bench signs in with JWTs only; "
                "generate with --data auth=jwt or auth=none"
            )

        # 2. One database, fresh each run, migrated by the service itself.
        db_path = work / "bench.db"
        database_url = f"sqlite+aiosqlite:///{db_path}"
        common_env = {**env, "DATABASE_URL": database_url, "PYTHONDONTWRITEBYTECODE": "1"}
        run_cmd([str(venv_bin / slug), "db", "upgrade"], cwd=project, env=common_env, timeout=120)
        bench_email, bench_password = "bench@example.com", "Bench-" + os.urandom(12).hex()
        if auth != "none":
            # The products endpoints need a signed-in user: create one with the service's CLI.
            run_cmd(
                [
                    str(venv_bin / slug),
                    "users",
                    "create",
                    "--email",
                    bench_email,
                    "--password",
                    bench_password,
                ],
                cwd=project,
                env=common_env,
                timeout=120,
            )

        cpus = os.cpu_count() or 1
        pin = args.pin == "on" or (
            args.pin == "auto" and cpus >= 2 and shutil.which("taskset") is not None
        )
        if pin and shutil.which("taskset") is None:
            raise BenchError("--pin on needs taskset (util-linux)")
        server_cpus, client_cpus = (
            ("0", ",".join(str(c) for c in range(1, cpus))) if pin else (None, None)
        )

        # Same uvicorn settings as the service's `serve` command (see its core/cli/main.py):
        # 1 worker, uvicorn's own access log off, proxy headers from 127.0.0.1, no
        # Server header, loop/http "auto" (uvloop + httptools, both in the venv).
        uvicorn_flags = [
            "--host",
            HOST,
            "--workers",
            "1",
            "--loop",
            "auto",
            "--http",
            "auto",
            "--no-access-log",
            "--proxy-headers",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--no-server-header",
            "--timeout-graceful-shutdown",
            "20",
        ]
        prod_env = production_env(common_env)
        ours_port, base_port = free_port(), free_port()
        if args.service_launch == "serve":
            ours_argv = [str(venv_bin / slug), "serve", "--host", HOST, "--port", str(ours_port)]
        else:
            ours_argv = [
                python,
                "-m",
                "uvicorn",
                f"{package}.main:create_app",
                "--factory",
                *uvicorn_flags,
                "--port",
                str(ours_port),
                "--log-level",
                "warning",
            ]
        ours = Server(
            "ours",
            ours_argv,
            prod_env,
            project,
            ours_port,
            "/health/live",
            work / "ours.log",
            server_cpus,
        )
        servers.append(ours)
        ours.start()
        ours.wait_ready()

        # The baseline checks the same tokens the same way when the service wants them.
        headers: dict[str, str] = {}
        base_env = dict(common_env)
        if auth != "none":
            token = sign_in(ours, bench_email, bench_password)
            headers["Authorization"] = f"Bearer {token}"
            claims = jwt_claims(token)
            base_env.update(
                {
                    "BASELINE_AUTH": "jwt",
                    "BASELINE_JWT_SECRET": prod_env["SECRET_KEY"],
                    "BASELINE_JWT_ALGORITHM": str(claims["alg"]),
                    "BASELINE_JWT_ISSUER": str(claims.get("iss", "")),
                    "BASELINE_JWT_AUDIENCE": str(claims.get("aud", "")),
                }
            )
        base = Server(
            "baseline",
            [
                python,
                "-m",
                "uvicorn",
                "baseline_app:app",
                "--app-dir",
                str(BENCH_DIR),
                *uvicorn_flags,
                "--port",
                str(base_port),
                "--log-level",
                "warning",
            ],
            base_env,
            work,
            base_port,
            "/health",
            work / "baseline.log",
            server_cpus,
        )
        servers.append(base)
        base.start()
        base.wait_ready()

        # 3. Seed through the service's own API, check both sides see the same rows.
        t0 = time.monotonic()
        ids = seed(ours, args.seed_count, headers)
        log(f"seeded {len(ids)} products in {time.monotonic() - t0:.1f}s")
        list_query = "?limit=20&offset=0"
        pairs = [
            Pair(
                "item",
                "GET /products/{id}",
                [f"/api/v1/products/{i}" for i in ids],
                [f"/products/{i}" for i in ids],
            ),
            Pair(
                "list",
                "GET /products?limit=20",
                [f"/api/v1/products{list_query}"],
                [f"/products{list_query}"],
            ),
            Pair("health", "GET /health/live vs /health", ["/health/live"], ["/health"]),
        ]
        warnings = check_same_data(ours, base, pairs, headers)
        for w in warnings:
            log("note: " + w)

        # 4. Measure.
        if args.client == "auto":
            kind = "wrk" if shutil.which("wrk") else "python"
            if kind == "python":
                log("wrk not found (apt-get install wrk); falling back to bench/loadgen.py")
        else:
            kind = args.client
            if kind == "wrk" and not shutil.which("wrk"):
                raise BenchError("--client wrk: wrk not on PATH (apt-get install wrk)")
        client = LoadClient(kind, args.connections, python, work, client_cpus, headers=headers)
        sides = {"ours": ours, "base": base}
        if args.warmup > 0:
            log(f"warm-up: {args.warmup:g}s per endpoint and side")
            for pair in pairs:
                for side in ("ours", "base"):
                    measure_one(client, sides[side], pair, side, args.warmup)
        gate = QuietGate(servers, args.max_other_cpu, args.quiet_wait)
        retries_left = args.retries
        noisy_kept = 0
        for r in range(args.rounds):
            order = ("ours", "base") if r % 2 == 0 else ("base", "ours")
            for pair in pairs:
                while True:
                    gate.wait()
                    got = {
                        side: measure_one(client, sides[side], pair, side, args.duration)
                        for side in order
                    }
                    other = max(x["other_cpu_s"] / x["window_s"] for x in got.values())
                    noisy = other > args.max_other_cpu
                    if noisy and retries_left > 0:
                        retries_left -= 1
                        log(
                            f"{pair.key}: other processes used {other:.2f} cores meanwhile; "
                            "measuring the pair again"
                        )
                        continue
                    break
                noisy_kept += noisy
                for side, sample in got.items():
                    sample["round"] = r
                    sample["noisy"] = noisy
                    pair.samples[side].append(sample)
            line = ", ".join(
                f"{p.key} {p.samples['ours'][-1]['rps'] / max(p.samples['base'][-1]['rps'], 1e-9):.2f}x"  # noqa: E501
                for p in pairs
            )
            log(f"round {r + 1}/{args.rounds}: {line}")

        # 5. Report.
        rows = [summarize(pair) for pair in pairs]
        elapsed = time.monotonic() - started
        print()
        print(f"Generated service ({slug}, auth={auth}) vs hand-written FastAPI app, {HOST},")
        print(f"load from {client.describe()}")
        if auth != "none":
            print(
                "products requests carry a bearer JWT; "
                "the baseline checks it and loads the user alike"
            )
        pinning = (
            f"servers pinned to CPU {server_cpus}, client to CPU {client_cpus}"
            if pin
            else "no pinning"
        ) + (f", nice {args.nice}" if args.nice else "")
        print(
            f"{args.rounds} interleaved rounds x {args.duration:g}s per endpoint and side, "
            f"medians; {pinning}"
        )
        print(", ".join(f"{name} {versions.get(name)}" for name in VERSION_NAMES))
        print()
        print_table(rows)
        print()
        for row in rows:
            cpu_ours = row["ours"]["cpu_us_per_req_median"]
            cpu_base = row["base"]["cpu_us_per_req_median"]
            print(
                f"  server CPU per request, {row['endpoint']}: "
                f"ours {cpu_ours:.0f} us, baseline {cpu_base:.0f} us"
            )
        other = max(
            max(row["ours"]["other_cpu_cores_max"], row["base"]["other_cpu_cores_max"])
            for row in rows
        )
        total_pairs = args.rounds * len(pairs)
        print(
            f"  busiest measurement: other processes used {other:.2f} of {cpus} cores; "
            f"{noisy_kept} of {total_pairs} measurement pairs were noisy "
            f"(> {args.max_other_cpu:g} cores), "
            f"{args.retries - retries_left} pairs measured again, "
            f"{gate.waited_s:.0f}s spent waiting for quiet"
        )
        if noisy_kept:
            print(
                "  the machine was not quiet: ratios are noisier than usual; "
                "rerun when nothing else runs"
            )
        all_passed = all(row["passed"] for row in rows)
        print()
        print(
            f"{'PASS' if all_passed else 'FAIL'}: targets are ours >= 0.85x on the DB reads "
            f"and >= 0.90x on the bare endpoint (ratio of median req/s). Took {elapsed:.0f}s."
        )

        result = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "duration_s": round(elapsed, 1),
            "command": shlex.join([sys.executable, *sys.argv]),
            "passed": all_passed,
            "settings": {
                "auth": auth,
                "copier_data": args.data,
                "rounds": args.rounds,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "connections": args.connections,
                "seed_count": args.seed_count,
                "client": client.describe(),
                "pinned": pin,
                "server_cpus": server_cpus,
                "nice": args.nice,
                "client_cpus": client_cpus,
                "service_launch": args.service_launch,
                "max_other_cpu": args.max_other_cpu,
                "noisy_pairs_kept": noisy_kept,
                "pairs_remeasured": args.retries - retries_left,
                "quiet_wait_s": gate.waited_s,
                "service_argv": ours.argv,
                "baseline_argv": base.argv,
            },
            "machine": {
                "cpus": cpus,
                "platform": platform.platform(),
                "runner_python": sys.version.split()[0],
            },
            "versions": versions,
            "project": {
                "slug": slug,
                "package": package,
                "path": str(project),
                "template": str(args.template.resolve()),
                "vcs_ref": args.vcs_ref,
            },
            "notes": warnings,
            "endpoints": rows,
            "samples": {p.key: p.samples for p in pairs},
        }
        out_path = args.json or RESULTS_DIR / f"{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"results: {out_path}")
        return 0 if all_passed else 1
    except BenchError as exc:
        log(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 2
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
