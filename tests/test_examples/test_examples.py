"""Every script in examples/ runs, as a user would run it: ``python examples/NAME.py``.

The Docker and Podman examples run against the shared test server speaking like the daemons
(tests/support/daemons.py), and with no daemon at all (they must exit 0 saying so); against a
real daemon only where its socket exists. The others start their own servers (Datasette,
uvicorn, gunicorn and nginx, a socket-activated daemon on an abstract name).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.daemons import daemon_app

if TYPE_CHECKING:
    from unixsocket_testutils import UnixSocketServerThread
    from unixsocket_testutils.pytest_plugin import UnixServerFactory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LINUX = sys.platform.startswith("linux")


def run(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``examples/<name>.py`` with this interpreter; it must exit 0. Returns its output."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DOCKER_HOST", "CONTAINER_HOST"} and not key.startswith("PYTEST_")
    }
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def fake_daemon(unix_server_factory: UnixServerFactory) -> UnixSocketServerThread:
    return unix_server_factory(daemon_app)


def test_every_example_is_tested() -> None:
    tested = {
        "abstract_daemon",
        "datasette_uds",
        "docker_engine",
        "nginx_frontend",
        "podman",
        "uvicorn_app",
    }
    assert {path.stem for path in EXAMPLES.glob("*.py")} == tested


def test_docker_against_the_test_server(fake_daemon: UnixSocketServerThread) -> None:
    out = run("docker_engine", "--logs", "web", env={"DOCKER_HOST": f"unix://{fake_daemon.usock}"})
    assert "Docker 27.1.1 (API 1.45)" in out
    assert "2 running container(s)" in out
    assert "stdout: log line 1" in out
    assert "stderr: log line 3" in out
    logs = [r for r in fake_daemon.requests if r.path.endswith("/logs")]
    assert logs[0].path == "/v1.45/containers/web/logs"
    assert fake_daemon.accepted_connections == 1  # version, list and logs on one connection


def test_docker_without_a_daemon() -> None:
    out = run("docker_engine", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert "No Docker daemon here" in out
    assert "'/nonexistent/docker.sock': no such file or directory" in out


@pytest.mark.skipif(
    not os.path.exists("/var/run/docker.sock"), reason="no Docker daemon: /var/run/docker.sock"
)
def test_docker_against_the_real_daemon() -> None:
    assert "running container(s)" in run("docker_engine")


def test_podman_against_the_test_server(fake_daemon: UnixSocketServerThread) -> None:
    env = {"CONTAINER_HOST": f"unix://{fake_daemon.usock}"}
    out = run("podman", "--logs", "web", env=env)
    assert "Podman API 1.45" in out
    assert "2 running container(s)" in out
    assert "logs: " in out
    assert fake_daemon.requests[0].path == "/v4.0.0/libpod/version"


def test_podman_without_a_service() -> None:
    out = run("podman", env={"CONTAINER_HOST": "unix:///nonexistent/podman.sock"})
    assert "No Podman service here" in out


@pytest.mark.skipif(
    not any(
        os.path.exists(path)
        for path in ("/run/podman/podman.sock", f"/run/user/{os.getuid()}/podman/podman.sock")
    ),
    reason="no Podman service socket (podman system service)",
)
def test_podman_against_the_real_service() -> None:
    assert "running container(s)" in run("podman")


@pytest.mark.skipif(
    importlib.util.find_spec("datasette") is None,
    reason="datasette is not installed in this environment",
)
def test_datasette() -> None:
    out = run("datasette_uds")
    assert "database '_memory' served on /tmp/ds-" in out
    assert "answer 42 from SQLite" in out


def test_uvicorn() -> None:
    assert "20 concurrent requests answered by uvicorn" in run("uvicorn_app")


@pytest.mark.skipif(
    shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
    reason="nginx is not installed (scripts/install-servers installs Debian's nginx-light)",
)
def test_nginx_in_front_of_gunicorn() -> None:
    out = run("nginx_frontend")
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(" 200 via nginx/" in line for line in lines)
    assert "'path': '/api/items', 'host': 'localhost'" in lines[1]


@pytest.mark.skipif(not LINUX, reason="abstract socket names exist only on Linux")
def test_socket_activated_daemon_on_an_abstract_name() -> None:
    out = run("abstract_daemon")
    assert out.count("-> 200 {'status': 'ok'") == 2
    assert out.endswith("daemon exited with 0\n")
