# ruff: noqa: RUF001, PLR0911, PLR0912, PLR0915 - tables use multiplication signs and dashes
"""Turning the runs into medians, ratios, a Markdown page and a chart."""

from __future__ import annotations

import importlib
import statistics
import textwrap
from typing import TYPE_CHECKING, Any

from .cases import CLIENTS, SCENARIOS, TARGETS, Target

if TYPE_CHECKING:
    from pathlib import Path

MB = 1_000_000
MIB = 1 << 20

Runs = list[dict[str, Any]]


def value(run: dict[str, Any], size: int) -> float | None:
    """The run's figure: µs per request, or MB/s; None when it failed or moved too little."""
    if "elapsed" not in run:
        return None
    if SCENARIOS[run["scenario"]].throughput:
        if run.get("moved", 0) < size:
            return None
        return float(size / run["elapsed"] / MB)
    return float(run["elapsed"] / run["requests"] * 1e6)


def progress_line(run: dict[str, Any], size: int) -> str:
    head = f"round {run['round'] + 1} {run['scenario']:<12} {run['client']:<21}"
    figure = value(run, size)
    if figure is None:
        return f"{head} -- {_failure(run, size)}"
    unit = SCENARIOS[run["scenario"]].unit
    return (
        f"{head} {figure:9.1f} {unit:<6} conns {run['connections']:<4} "
        f"cpu {run['cpu']:.2f}s rss+ {run['rss_growth'] / MIB:.1f}MiB "
        f"discards {run['discards']} server cpu {run['server_cpu']:.2f}s"
    )


def _failure(run: dict[str, Any], size: int) -> str:
    if "error" in run:
        return str(run["error"])
    return (
        f"gave up after sending {run.get('moved', 0) / MB:.0f} of {size / MB:.0f} MB "
        f"in {run['elapsed']:.1f} s"
    )


def _runs(data: dict[str, Any], scenario: str, client: str) -> Runs:
    return [r for r in data["runs"] if r["scenario"] == scenario and r["client"] == client]


def summary(data: dict[str, Any], scenario: str, client: str) -> dict[str, Any] | None:
    """Median, min and max of the figure, and medians of the side measurements."""
    runs = _runs(data, scenario, client)
    if not runs:
        return None
    size = data["settings"]["size"]
    figures = [f for f in (value(r, size) for r in runs) if f is not None]
    ok = [r for r in runs if value(r, size) is not None]
    if not figures:
        first = next((r for r in runs if "elapsed" in r), runs[0])
        return {"failed": _failure(first, size)}
    return {
        "median": statistics.median(figures),
        "min": min(figures),
        "max": max(figures),
        "n": len(figures),
        "connections": statistics.median(r["connections"] for r in ok),
        "discards": statistics.median(r["discards"] for r in ok),
        "cpu": statistics.median(r["cpu"] for r in ok),
        "rss": statistics.median(r["rss_growth"] for r in ok) / MIB,
        "server_cpu": statistics.median(r["server_cpu"] for r in ok),
        "requests": runs[0]["requests"],
    }


def ratio(
    data: dict[str, Any],
    scenario: str,
    client: str,
    reference: str,
    reference_scenario: str | None = None,
) -> float | None:
    """The median over rounds of client's figure / reference's figure in the same round (in
    *reference_scenario*, when given)."""
    size = data["settings"]["size"]
    mine = {r["round"]: value(r, size) for r in _runs(data, scenario, client)}
    runs = _runs(data, reference_scenario or scenario, reference)
    theirs = {r["round"]: value(r, size) for r in runs}
    ratios = [
        a / b
        for round_no, a in mine.items()
        if a is not None and (b := theirs.get(round_no)) is not None and b > 0
    ]
    return statistics.median(ratios) if ratios else None


def _fmt(figure: float) -> str:
    return f"{figure:,.0f}" if figure >= 100 else f"{figure:.1f}"


def cell(data: dict[str, Any], scenario: str, client: str) -> str:
    s = summary(data, scenario, client)
    if s is None:
        return ""
    if "failed" in s:
        return "✗ " + str(s["failed"])
    return f"{_fmt(s['median'])} ({_fmt(s['min'])}–{_fmt(s['max'])})"


def check(data: dict[str, Any], target: Target) -> tuple[str, bool | None]:
    """The measured figure for *target* and whether it holds (None: not measured)."""
    s = summary(data, target.scenario, target.client)
    if s is None or "failed" in s:
        return ("not measured" if s is None else "✗ " + s["failed"]), (None if s is None else False)
    if target.kind == "discards":
        return f"{s['discards']:g} discards", s["discards"] <= target.limit
    if target.kind == "conns":
        return f"{s['connections']:g} connections", s["connections"] <= target.limit
    if target.kind == "rss":
        return f"{s['rss']:.1f} MiB", s["rss"] < target.limit
    if target.kind == "value":
        return f"{_fmt(s['median'])} MB/s", s["median"] >= target.limit
    assert target.reference is not None
    if target.kind == "scenario":
        r = ratio(data, target.scenario, target.client, target.client, target.reference)
    else:
        r = ratio(data, target.scenario, target.client, target.reference)
    if r is None:
        return "not measured", None
    higher_is_better = SCENARIOS[target.scenario].throughput
    return f"{r:.2f}×", (r >= target.limit) if higher_is_better else (r <= target.limit)


def markdown(data: dict[str, Any]) -> str:
    """The results: the main table, ratios, side measurements and the targets."""
    settings = data["settings"]
    out = []
    size_mib = settings["size"] // MIB
    scenarios = [
        s for s in SCENARIOS.values() if any(r["scenario"] == s.name for r in data["runs"])
    ]
    machine = data["machine"]
    out.append(
        f"Measured with {machine.get('server', 'nginx')}, Python {machine['python']}, "
        f"{machine['cpus']} CPUs ({machine['system']}); {settings['rounds']} rounds, "
        f"{settings['requests']} requests per small-GET case ({settings['paths_requests']} "
        f"distinct paths), {size_mib} MiB transfers. Median (min–max) over the rounds; "
        "µs per request (lower is better) or MB/s (higher is better)."
    )
    out.append("")
    header = "| client | " + " | ".join(
        f"{s.title.replace('256 MiB', f'{size_mib} MiB')}, {s.unit}" for s in scenarios
    )
    out.append(header + " |")
    out.append("|---|" + "--:|" * len(scenarios))
    for client, label in CLIENTS.items():
        cells = [cell(data, s.name, client) for s in scenarios]
        if any(cells):
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("### Ratios (median over rounds of the ratio measured in the same round)")
    out.append("")
    out.append(
        "Time ratios for µs scenarios (below 1: faster), throughput ratios for MB/s scenarios "
        "(above 1: faster)."
    )
    out.append("")
    references = [
        ("raw", "raw socket"),
        ("urllib3-10line", "urllib3 10-line"),
        ("requests-tcp", "requests TCP"),
        ("requests-unixsocket2", "requests-unixsocket2"),
        ("httpx-floor", "httpx floor"),
        ("httpx-async-floor", "httpx async floor"),
        ("httpx2-floor", "httpx2 floor"),
        ("httpx2-async-floor", "httpx2 async floor"),
        ("httpx-uds", "httpx `uds=`"),
        ("httpx-async-uds", "httpx async `uds=`"),
        ("httpx2-uds", "httpx2 `uds=`"),
        ("httpx2-async-uds", "httpx2 async `uds=`"),
        ("aiohttp", "aiohttp"),
    ]
    ours = {
        "ours-requests": ("requests-tcp", "requests-unixsocket2"),
        "ours-urllib3": ("urllib3-10line",),
        "ours-httpx": ("httpx-floor", "httpx-uds"),
        "ours-httpx-async": ("httpx-async-floor", "httpx-async-uds", "aiohttp"),
        "ours-httpx2": ("httpx2-floor", "httpx2-uds"),
        "ours-httpx2-async": ("httpx2-async-floor", "httpx2-async-uds", "aiohttp"),
    }
    out.append("| scenario | client | " + " | ".join(f"vs {t}" for _, t in references) + " |")
    out.append("|---|---|" + "--:|" * len(references))
    for s in scenarios:
        for client in [c for c in CLIENTS if c != "raw"]:
            if not _runs(data, s.name, client):
                continue
            if not client.startswith("ours") and s.name not in ("get", "download"):
                continue
            cells = []
            for ref, _ in references:
                shown = ref == "raw" or ref in ours.get(client, ())
                r = ratio(data, s.name, client, ref) if shown and ref != client else None
                cells.append("" if r is None else f"{r:.2f}")
            if any(cells):
                out.append(f"| {s.name} | {CLIENTS[client]} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("### Connections, CPU and memory (medians)")
    out.append("")
    out.append(
        "Connections nginx accepted during the case (warm-up included), pool-full discards "
        "urllib3 logged, client CPU time (user + system) per request or per transfer, the "
        "client's peak RSS growth during the measurement, and nginx's CPU time."
    )
    out.append("")
    out.append("| scenario | client | conns | discards | client CPU | RSS growth | server CPU |")
    out.append("|---|---|--:|--:|--:|--:|--:|")
    for s in scenarios:
        for client in CLIENTS:
            summ = summary(data, s.name, client)
            if summ is None or "failed" in summ:
                continue
            if s.throughput:
                cpu = f"{summ['cpu']:.2f} s"
            else:
                cpu = f"{summ['cpu'] / summ['requests'] * 1e6:.0f} µs/req"
            out.append(
                f"| {s.name} | {CLIENTS[client]} | {summ['connections']:g} | "
                f"{summ['discards']:g} | {cpu} | {summ['rss']:.1f} MiB | "
                f"{summ['server_cpu']:.2f} s |"
            )
    out.append("")
    out.append("### Targets (issues 7 and 16)")
    out.append("")
    out.append("| target | measured | holds |")
    out.append("|---|--:|:-:|")
    for target in TARGETS:
        if not any(r["scenario"] == target.scenario for r in data["runs"]):
            continue
        measured, holds = check(data, target)
        mark = "—" if holds is None else ("yes" if holds else "**no**")
        out.append(f"| {target.text} | {measured} | {mark} |")
    versions: dict[str, str] = {}
    for run in data["runs"]:
        versions.update(run.get("versions", {}))
    if versions:
        out.append("")
        out.append(
            "Versions: " + ", ".join(f"{name} {v}" for name, v in sorted(versions.items())) + "."
        )
    return "\n".join(out) + "\n"


PAGE = """\
# Benchmarks

How fast the packages speak HTTP over a UNIX socket, against what people use today: the raw
socket (the floor), urllib3 with the usual 10-line connection class, aiohttp's `UnixConnector`,
requests over TCP loopback, requests-unixsocket2, and httpx's own `uds=` transports.

Rerun it on your machine (Linux, nginx from your distribution's packages: `scripts/install-servers`
installs it on Debian and Ubuntu):

```sh
scripts/bench/run            # the full run: about 8 minutes on 2 cores; rewrites this page
scripts/bench/run --quick    # small sizes, 2 rounds, under a minute; prints the tables only
scripts/bench/run --python 3.9 --only get,env40   # on Python 3.9 (or 3.11); tables only
```

## How it is measured

- **Server**: nginx from Debian's packages, started privately for the run (its own prefix and
  configuration in a temporary directory on tmpfs, `daemon off`, one process), listening on a
  UNIX socket and on a 127.0.0.1 port (for requests over TCP). It answers every path with a
  13-byte body (`return 200`), keeps connections alive without limit, sends a sparse file with
  `sendfile` for downloads, and answers uploads at once while reading and discarding the body
  (it must read it all to keep the connection). It is not the bottleneck: the raw client runs
  several times faster than any library client, and nginx's CPU time is shown per case.
- **Clients**: every case (a client in a scenario) runs in a fresh Python process with the same
  3 environment variables (40 in the "environment" scenario), warms up with 50 requests, then
  is timed. requests-unixsocket2 installs the same import name as our requests flavor, so it
  runs from its own Hatch environment (`bench-peers`); there is a pair of environments for
  each Python `--python` takes.
- **Rounds**: each round runs every case once; the order of the clients rotates from round to
  round, so drift of the machine touches them all alike. Figures are medians with min–max over
  the rounds; ratios are the median of the ratios measured within one round.
- **Uploads**: nginx answers before it has read the body, so the worker counts the bytes that
  went through `socket.socket`'s send methods; a client that stops sending when the answer
  arrives, or gives up on a write timeout, is shown as such (✗), not with a figure.
- **Connections** are counted by nginx (`stub_status` accepts), pool-full discards from
  urllib3's log, CPU time and peak RSS by the client process (`getrusage`).
- The urllib3 clients get `maxsize=8` (one connection per thread); every other client runs
  with its defaults.

## Where the time goes

From profiles (cProfile, 2,000 requests against this nginx) of what remains:

- **requests flavor, one path**: requests' own machinery is nearly all of it: urllib3's
  `urlopen` with http.client about half, `Session.prepare_request` about a quarter, building the
  response, cookies and merging settings most of the rest. This package's own steps (URL checks,
  the pool look-up, the keep-alive-race guard) are under 3 %. It skips what
  requests-unixsocket2 pays for: the environment's proxy settings and two `stat` calls per
  request for `~/.netrc`.
- **The environment depends on the Python**: requests reads the proxy settings from
  `os.environ` (two to four passes) on every request. With 40 variables instead of 3,
  requests' `merge_environment_settings` takes 147 µs instead of 28 on Python 3.9, 107 instead
  of 28 on 3.11, 42 instead of 24 on 3.10, and only 27 instead of 15 on 3.12 (and 3.13).
  This page is measured on 3.12, where the "40 environment variables" scenario barely differs
  from the plain one; `--python 3.9` shows what the skipped scan saves (11 rounds: ours 464 µs
  against requests-unixsocket2's 656, a ratio of 0.71×; 0.84× on 3.11).
- **httpx flavor, one path**: plain requests go through this package's HTTP/1.1 engine
  (httptools), not httpcore and h11; what remains is httpx's own client (building the request
  and the response, cookies, headers: most of a request's Python time) and the two system
  calls. The engine's own steps (the request head, parsing the answer, the pool) cost about
  6 µs. A new path costs more than a repeated one (CPU time per new URL, measured inside the
  benchmark's loop): httpx parses a socket's long percent-encoded host only once per socket, but
  each new URL still pays unixsocket-url's parse (6.5 µs), building its `httpx.URL` from the
  socket's (3 µs), and a miss of the standard library's `urlsplit` cache in the cookie jar that
  httpx hands every response, cookies or not (6.5 µs).
- **httpx sync download**: every byte goes through the kernel copy (`recv`), httptools' body
  callback, and httpx's re-chunking into the 1 MiB pieces asked for (`BytesIO` writes);
  httpx's own transport pays the same with h11's buffer and 64 KiB reads. Reads grow to
  512 KiB, not more: nginx fills about 256 KiB a call, and a read allocates what it asks, so
  1 MiB asks left the allocator trimming and re-faulting pages (the same download swung
  between 1.2 and 3.3 GB/s from one process to the next).
- **httpx async**: httpcore imports `sniffio` for every lock, event and semaphore it makes;
  without it each failed import scans `sys.path`, 40 % of an async request. httpx-unixsocket
  depends on sniffio, so httpx's async `uds=` row runs with it (and our TLS and HTTP/2
  requests, which go through httpcore).
- **Caches**: each one kept earns its place per request, timed directly (best of 7 × 2,000
  calls, cached against its uncached function, Python 3.13, against a whole small GET of
  130 µs with urllib3, 410 with requests and 220 with httpx on the same loaded machine):
  `unixsocket_url.parse_url` 3.3 µs saved a call (urllib3 calls it once a request, requests
  three times); its socket-name decoding 2.5 µs a new URL on a known socket (paths with IDs in
  them); urllib3-unixsocket's per-socket pool key 5 µs a request (6.0 against 1.1 µs); httpx's
  canonical URL 1.2 µs a request (a new path on a known socket: 6 µs, as httpx's parse of the
  socket's root URL, 14 µs, is kept per socket). Removed, worth under 2 % or off the hot path:
  requests' rewritten-URL cache (2.7 µs, 1.3 % of a request).

![Benchmark chart](assets/benchmarks.png)

## Results

{results}
"""


def write_docs(data: dict[str, Any], root: Path) -> None:
    """Write docs/benchmarks.md and docs/assets/benchmarks.png."""
    (root / "docs" / "assets").mkdir(parents=True, exist_ok=True)
    chart(data, root / "docs" / "assets" / "benchmarks.png")
    page = PAGE.replace("{results}", markdown(data))
    (root / "docs" / "benchmarks.md").write_text(page)


def chart(data: dict[str, Any], path: Path) -> None:
    """Two bar charts: µs per request (small GETs), MB/s (transfers)."""
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    timed = [s for s in SCENARIOS.values() if not s.throughput]
    moved = [s for s in SCENARIOS.values() if s.throughput]
    fig, axes = plt.subplots(1, 2, figsize=(15, 6.5))
    for axis, group, label in (
        (axes[0], timed, "µs per request (lower is better)"),
        (axes[1], moved, "MB/s (higher is better)"),
    ):
        clients = [c for c in CLIENTS if any(_runs(data, s.name, c) for s in group)]
        width = 0.8 / max(len(clients), 1)
        colours = plt.get_cmap("tab20")
        for index, client in enumerate(clients):
            heights = []
            for s in group:
                summ = summary(data, s.name, client)
                heights.append(summ["median"] if summ and "median" in summ else 0)
            positions = [g + (index - len(clients) / 2 + 0.5) * width for g in range(len(group))]
            ours = client.startswith("ours")
            axis.bar(
                positions,
                heights,
                width,
                label=client,
                color=colours(index),
                hatch="//" if ours else None,
                edgecolor="black" if ours else None,
                linewidth=1.0 if ours else 0,
            )
        axis.set_xticks(range(len(group)))
        # wrapped: side by side, the scenario titles would run into each other
        axis.set_xticklabels([textwrap.fill(s.title, 16) for s in group], fontsize=8)
        axis.set_ylabel(label)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, ncol=2, title="hatched: ours")
    fig.suptitle("HTTP over a UNIX socket (nginx): medians per scenario")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
