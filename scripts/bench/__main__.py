# ruff: noqa: PLR0915 - the driver reads top to bottom
"""The benchmark driver: ``scripts/bench/run [--quick] [--rounds N] [--only SCENARIO,...]``.

Starts a private nginx (see :mod:`scripts.bench.server`), then runs every (scenario, client)
case once per round, each in a fresh process, rounds interleaved (the client order rotates
from round to round) so machine drift touches every client alike. Writes the results as JSON,
and the Markdown page and the chart (docs/benchmarks.md, docs/assets/benchmarks.png).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import report
from .cases import CLIENTS, HTTPX2_CLIENTS, ORDINARY_ENVIRONMENT, PEER_CLIENTS, SCENARIOS
from .server import Nginx

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PYTHON = "3.12"
"""The Python of the published page (docs/benchmarks.md)."""


def base_environment() -> dict[str, str]:
    """What every case process gets: 3 variables, so the environment is the same everywhere."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
    }


def run_case(nginx: Nginx, python: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One case in a fresh process, with what nginx saw of it."""
    env = base_environment()
    if spec["scenario"] == "env40":
        env.update(ORDINARY_ENVIRONMENT)
    before, cpu_before = nginx.status(), nginx.cpu()
    started = time.monotonic()
    try:
        done = subprocess.run(
            [python, "-m", "scripts.bench.worker", json.dumps(spec)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:g} s", "dnf": True}
    after = nginx.status()
    result: dict[str, Any]
    if done.returncode != 0 or not done.stdout.strip():
        lines = done.stderr.strip().splitlines()
        result = {"error": lines[-1] if lines else f"exit status {done.returncode}"}
    else:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    result["connections"] = after.accepts - before.accepts - 1
    result["server_cpu"] = nginx.cpu() - cpu_before
    result["wall"] = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 rounds (< 1 min)")
    parser.add_argument("--rounds", type=int, help="rounds (default 9; 2 with --quick)")
    parser.add_argument("--requests", type=int, help="requests per small-GET case (2000)")
    parser.add_argument("--size", type=int, help="MiB per transfer (256; 16 with --quick)")
    parser.add_argument("--only", help="comma-separated scenarios to run")
    parser.add_argument("--clients", help="comma-separated clients to run")
    parser.add_argument("--peer-python", default=os.environ.get("BENCH_PEER_PYTHON", ""))
    parser.add_argument("--out", type=Path, help="results file (build/bench/results[-quick].json)")
    parser.add_argument(
        "--docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/benchmarks.md and the chart (default: for a full run on 3.12 only)",
    )
    parser.add_argument(
        "--python",
        default=DEFAULT_PYTHON,
        help=f"the Python every client runs on: {DEFAULT_PYTHON} (the published page), 3.11 "
        "or 3.9 (scripts/bench/run picks the Hatch environments)",
    )
    parser.add_argument("--render", type=Path, help="only render the docs from a results file")
    args = parser.parse_args(argv)

    if args.render:
        rendered = json.loads(args.render.read_text())
        report.write_docs(rendered, ROOT)
        print(report.markdown(rendered))
        return 0

    running = ".".join(platform.python_version_tuple()[:2])
    if args.python != running:
        parser.error(f"--python {args.python}, but this is Python {running}: use scripts/bench/run")
    rounds = args.rounds or (2 if args.quick else 9)
    requests = args.requests or (300 if args.quick else 2000)
    size = (args.size or (16 if args.quick else 256)) << 20
    timeout = 30.0 if args.quick else 60.0
    scenarios = args.only.split(",") if args.only else list(SCENARIOS)
    chosen = set(args.clients.split(",")) if args.clients else set(CLIENTS)
    unknown = [s for s in scenarios if s not in SCENARIOS] + [c for c in chosen if c not in CLIENTS]
    if unknown:
        parser.error(f"unknown scenario or client: {', '.join(unknown)}")
    if "requests-unixsocket2" in chosen and not args.peer_python:
        print("no --peer-python: requests-unixsocket2 is left out", file=sys.stderr)
        chosen.discard("requests-unixsocket2")
    if sys.version_info < (3, 11) and chosen & HTTPX2_CLIENTS:
        print("httpx2 needs Python 3.11+: its clients are left out", file=sys.stderr)
        chosen -= HTTPX2_CLIENTS

    data: dict[str, Any] = {
        "settings": {
            "rounds": rounds,
            "requests": requests,
            "paths_requests": max(requests // 4, 50),
            "size": size,
            "quick": args.quick,
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": f"{platform.system()} {platform.release()}",
        },
        "runs": [],
    }
    dnf: set[tuple[str, str]] = set()
    started = time.monotonic()
    with Nginx(size) as nginx:
        data["machine"]["server"] = f"nginx {nginx.version}"
        for round_no in range(rounds):
            for scenario_name in scenarios:
                scenario = SCENARIOS[scenario_name]
                clients = [c for c in scenario.clients if c in chosen]
                shift = round_no % max(len(clients), 1)
                for client in clients[shift:] + clients[:shift]:
                    spec = {
                        "client": client,
                        "scenario": scenario_name,
                        "socket": nginx.socket,
                        "port": nginx.port,
                        "requests": (
                            data["settings"]["paths_requests"]
                            if scenario_name == "paths"
                            else requests
                        ),
                        "size": size,
                        "file": str(nginx.big),
                    }
                    if (scenario_name, client) in dnf:
                        result: dict[str, Any] = {"error": "failed in an earlier round: not rerun"}
                        result["dnf"] = True
                    else:
                        python = args.peer_python if client in PEER_CLIENTS else sys.executable
                        result = run_case(nginx, python, spec, timeout)
                        short = result.get("moved", size) < size  # gave up mid-upload
                        if result.get("dnf") or (SCENARIOS[scenario_name].throughput and short):
                            dnf.add((scenario_name, client))
                    run = {"round": round_no, "scenario": scenario_name, "client": client}
                    data["runs"].append({**run, **result, "requests": spec["requests"]})
                    print(report.progress_line(data["runs"][-1], size), flush=True)
    data["elapsed"] = time.monotonic() - started
    suffix = ("-quick" if args.quick else "") + (
        "" if args.python == DEFAULT_PYTHON else f"-py{args.python}"
    )
    args.out = args.out or ROOT / "build" / "bench" / f"results{suffix}.json"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1))
    print(f"\nresults: {args.out} ({data['elapsed']:.0f} s)\n")
    published = not args.quick and args.python == DEFAULT_PYTHON
    if args.docs if args.docs is not None else published:
        report.write_docs(data, ROOT)
        print("wrote docs/benchmarks.md and docs/assets/benchmarks.png\n")
    print(report.markdown(data))
    return 1 if any("error" in run and not run.get("dnf") for run in data["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
