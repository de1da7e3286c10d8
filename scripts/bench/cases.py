# ruff: noqa: RUF001, E501 - the tables use multiplication signs and dashes; one line per target
"""What the benchmark runs: the clients, the scenarios, and the targets of issue 7."""

from __future__ import annotations

from dataclasses import dataclass

CLIENTS: dict[str, str] = {
    "raw": "raw AF_UNIX socket, fixed request (the floor)",
    "urllib3-10line": "urllib3 pool + a 10-line UNIX connection",
    "aiohttp": "aiohttp `UnixConnector`",
    "requests-tcp": "requests over TCP loopback",
    "requests-unixsocket2": "requests-unixsocket2 (the peer)",
    "httpx-floor": "httpx `Client` on a raw kept-alive socket (httpx's floor)",
    "httpx-async-floor": "httpx `AsyncClient` on a raw kept-alive socket (its floor)",
    "httpx2-floor": "httpx2 `Client` on a raw kept-alive socket (httpx2's floor)",
    "httpx2-async-floor": "httpx2 `AsyncClient` on a raw kept-alive socket (its floor)",
    "httpx-uds": "httpx `HTTPTransport(uds=)`",
    "httpx-async-uds": "httpx `AsyncHTTPTransport(uds=)`",
    "httpx2-uds": "httpx2 `HTTPTransport(uds=)`",
    "httpx2-async-uds": "httpx2 `AsyncHTTPTransport(uds=)`",
    "ours-requests": "**ours**: `requests_unixsocket.Session`",
    "ours-urllib3": "**ours**: `urllib3_unixsocket.UnixPoolManager`",
    "ours-httpx": "**ours**: `httpx_unixsocket.Client`",
    "ours-httpx-async": "**ours**: `httpx_unixsocket.AsyncClient`",
    "ours-httpx2": "**ours**: `httpx2_unixsocket.Client`",
    "ours-httpx2-async": "**ours**: `httpx2_unixsocket.AsyncClient`",
}
"""Every client, in table order, and how the tables name it."""

PEER_CLIENTS = frozenset({"requests-unixsocket2"})
"""Clients run by the peers' Python (requests-unixsocket2 installs `requests_unixsocket` too)."""

ASYNC_CLIENTS = frozenset(
    {
        "aiohttp",
        "httpx-async-floor",
        "httpx-async-uds",
        "ours-httpx-async",
        "httpx2-async-floor",
        "httpx2-async-uds",
        "ours-httpx2-async",
    }
)
HTTPX2_CLIENTS = frozenset(
    {
        "httpx2-floor",
        "httpx2-async-floor",
        "httpx2-uds",
        "httpx2-async-uds",
        "ours-httpx2",
        "ours-httpx2-async",
    }
)
"""Clients on httpx2, which needs Python 3.11+ (left out of runs on older Pythons)."""
FLOORS = ("httpx-floor", "httpx-async-floor", "httpx2-floor", "httpx2-async-floor")
"""The httpx clients on the thinnest transport (fixed request bytes, the fixed-size answer read
back, one socket): the limit a transport could reach. Small GETs on one path only."""
ALL = tuple(c for c in CLIENTS if c not in FLOORS)
SYNC = tuple(c for c in ALL if c not in ASYNC_CLIENTS)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    clients: tuple[str, ...]
    throughput: bool = False
    """MB/s (higher is better) instead of µs per request (lower is better)."""

    @property
    def unit(self) -> str:
        return "MB/s" if self.throughput else "µs/req"


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("get", "small GET, one path, sequential", (*ALL, *FLOORS)),
        Scenario(
            "env40",
            "small GET, one path, 40 environment variables",
            ("requests-tcp", "requests-unixsocket2", "ours-requests"),
        ),
        Scenario("paths", "small GET, every path distinct", ALL),
        Scenario("threads8", "8 threads sharing one client", SYNC),
        Scenario(
            "async50",
            "50 concurrent tasks",
            (
                "aiohttp",
                "httpx-async-uds",
                "ours-httpx-async",
                "httpx2-async-uds",
                "ours-httpx2-async",
            ),
        ),
        Scenario("download", "256 MiB download, 1 MiB chunks", ALL, throughput=True),
        Scenario("upload-bytes", "256 MiB upload from `bytes`", ALL, throughput=True),
        Scenario("upload-file", "256 MiB upload from a file", ALL, throughput=True),
    )
}


@dataclass(frozen=True)
class Target:
    """A target of issue 7: ``metric`` of ``client`` against ``reference`` (a client or None)."""

    text: str
    scenario: str
    client: str
    reference: str | None
    limit: float
    kind: str = "ratio"
    """``ratio``: median per-round ratio ≤ limit (µs) or ≥ limit (MB/s); ``scenario``: the
    same, against the client's own figure in the scenario named by ``reference``; ``value``: the
    median itself ≥ limit (MB/s); ``rss``: RSS growth < limit MiB; ``discards``/``conns``:
    median ≤ limit."""


TARGETS: tuple[Target, ...] = (
    Target("requests, one path: ≤ 1.00× requests-unixsocket2", "get", "ours-requests", "requests-unixsocket2", 1.00),
    Target("requests, one path: ≤ 0.95× requests over TCP", "get", "ours-requests", "requests-tcp", 0.95),
    Target("requests, 40 env variables: ≤ 0.80× requests-unixsocket2", "env40", "ours-requests", "requests-unixsocket2", 0.80),
    Target("requests, distinct paths: ≤ 0.75× requests-unixsocket2", "paths", "ours-requests", "requests-unixsocket2", 0.75),
    Target("requests, 8 threads: zero pool-full discards", "threads8", "ours-requests", None, 0, "discards"),
    Target("requests, 8 threads: at most 8 connections", "threads8", "ours-requests", None, 8, "conns"),
    Target("requests, 8 threads: throughput ≥ requests-unixsocket2 (time ≤ 1.0×)", "threads8", "ours-requests", "requests-unixsocket2", 1.0),
    Target("requests, download: ≥ 0.9× requests-unixsocket2 MB/s", "download", "ours-requests", "requests-unixsocket2", 0.9),
    Target("requests, upload from bytes: ≥ 0.9× requests-unixsocket2 MB/s", "upload-bytes", "ours-requests", "requests-unixsocket2", 0.9),
    Target("requests, streaming download: RSS growth < 16 MiB", "download", "ours-requests", None, 16, "rss"),
    Target("requests, upload from a file: ≥ 0.8× the raw socket's MB/s", "upload-file", "ours-requests", "raw", 0.8),
    Target("urllib3 layer, one path: ≤ 1.10× the 10-line connection", "get", "ours-urllib3", "urllib3-10line", 1.10),
    Target("httpx sync, one path: ≤ 0.70× `HTTPTransport(uds=)`", "get", "ours-httpx", "httpx-uds", 0.70),
    Target("httpx sync, one path: ≤ 1.4× httpx's floor", "get", "ours-httpx", "httpx-floor", 1.4),
    Target("httpx sync, distinct paths: ≤ 1.10× one path", "paths", "ours-httpx", "get", 1.10, "scenario"),
    Target("httpx async, one path: ≤ 0.50× `AsyncHTTPTransport(uds=)`", "get", "ours-httpx-async", "httpx-async-uds", 0.50),
    Target("httpx async, one path: ≤ 2.0× httpx's async floor", "get", "ours-httpx-async", "httpx-async-floor", 2.0),
    Target("httpx async, distinct paths: ≤ 1.10× one path", "paths", "ours-httpx-async", "get", 1.10, "scenario"),
    Target("httpx async, 50 tasks: ≤ 0.50× `AsyncHTTPTransport(uds=)`", "async50", "ours-httpx-async", "httpx-async-uds", 0.50),
    Target("httpx sync, download: ≥ 2× `uds=` MB/s", "download", "ours-httpx", "httpx-uds", 2.0),
    Target("httpx async, download: ≥ 2× `uds=` MB/s", "download", "ours-httpx-async", "httpx-async-uds", 2.0),
    Target("httpx sync, upload from bytes: completes at ≥ 1,000 MB/s", "upload-bytes", "ours-httpx", None, 1000, "value"),
    Target("httpx async, upload from bytes: completes at ≥ 1,000 MB/s", "upload-bytes", "ours-httpx-async", None, 1000, "value"),
    Target("httpx sync, streaming download: RSS growth < 16 MiB", "download", "ours-httpx", None, 16, "rss"),
    Target("httpx async, streaming download: RSS growth < 16 MiB", "download", "ours-httpx-async", None, 16, "rss"),
    Target("httpx2 sync, one path: ≤ 0.70× httpx2 `HTTPTransport(uds=)`", "get", "ours-httpx2", "httpx2-uds", 0.70),
    Target("httpx2 sync, one path: ≤ 1.4× httpx2's floor", "get", "ours-httpx2", "httpx2-floor", 1.4),
    Target("httpx2 async, one path: ≤ 0.50× httpx2 `AsyncHTTPTransport(uds=)`", "get", "ours-httpx2-async", "httpx2-async-uds", 0.50),
    Target("httpx2 async, one path: ≤ 2.0× httpx2's async floor", "get", "ours-httpx2-async", "httpx2-async-floor", 2.0),
    Target("httpx2 async, 50 tasks: ≤ 0.50× httpx2 `AsyncHTTPTransport(uds=)`", "async50", "ours-httpx2-async", "httpx2-async-uds", 0.50),
    Target("httpx2 sync, download: ≥ 1.5× httpx2 `uds=` MB/s", "download", "ours-httpx2", "httpx2-uds", 1.5),
    Target("httpx2 async, download: ≥ 1.5× httpx2 `uds=` MB/s", "download", "ours-httpx2-async", "httpx2-async-uds", 1.5),
)  # fmt: skip

ORDINARY_ENVIRONMENT = {
    "SHELL": "/bin/bash",
    "TERM": "xterm-256color",
    "USER": "dev",
    "LOGNAME": "dev",
    "PWD": "/home/dev/src/project",
    "OLDPWD": "/home/dev/src",
    "EDITOR": "vim",
    "VISUAL": "vim",
    "PAGER": "less",
    "LESS": "-R",
    "LANGUAGE": "en_US:en",
    "LC_ALL": "C.UTF-8",
    "SHLVL": "2",
    "HISTSIZE": "10000",
    "HISTFILESIZE": "20000",
    "HISTCONTROL": "ignoreboth",
    "COLORTERM": "truecolor",
    "XDG_RUNTIME_DIR": "/run/user/1000",
    "XDG_SESSION_TYPE": "tty",
    "XDG_SESSION_ID": "3",
    "XDG_DATA_DIRS": "/usr/local/share:/usr/share",
    "XDG_CONFIG_DIRS": "/etc/xdg",
    "SSH_AUTH_SOCK": "/run/user/1000/ssh-agent.sock",
    "SSH_CONNECTION": "192.0.2.10 52000 192.0.2.20 22",
    "SSH_CLIENT": "192.0.2.10 52000 22",
    "SSH_TTY": "/dev/pts/0",
    "MAIL": "/var/mail/dev",
    "MOTD_SHOWN": "pam",
    "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
    "GOPATH": "/home/dev/go",
    "CARGO_HOME": "/home/dev/.cargo",
    "NVM_DIR": "/home/dev/.nvm",
    "PYENV_ROOT": "/home/dev/.pyenv",
    "VIRTUAL_ENV_DISABLE_PROMPT": "1",
    "GPG_TTY": "/dev/pts/0",
    "LS_COLORS": "rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01",
    "DOCKER_HOST": "unix:///run/user/1000/docker.sock",
}
"""37 variables a developer's shell has (no proxy among them); with PATH, HOME, LANG: 40."""
