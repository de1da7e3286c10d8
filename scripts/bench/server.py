"""The benchmark's server: nginx from Debian's packages, started privately for one run.

One nginx process (``master_process off``, ``daemon off``) in a private temporary directory
listens on a UNIX socket and on a 127.0.0.1 port, with:

- ``/`` and any other path: a 13-byte body (``return 200``), keep-alive without limit;
- ``/big``: a sparse file of the download size, sent with ``sendfile`` (holes read as zeros from
  the page cache: no disk in the measurement);
- ``/upload``: any body size (``client_max_body_size 0``); nginx answers at once, then reads the
  whole body and drops it (it must, to keep the connection alive). Making nginx read the body
  *before* answering (``mirror_request_body``) buffers it to memory or a temporary file and
  caps even the raw client at about 1.2 GB/s: the server would be the bottleneck. Whether a
  client really sent every byte is checked in the client process instead (the worker counts
  what went through ``socket.socket``'s send methods);
- ``/nginx_status``: ``stub_status``, whose ``accepts`` counter gives the connections each case
  opened.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; multi_accept on; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  default_type text/plain;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  sendfile on;
  sendfile_max_chunk 0;
  server {{
    listen unix:{socket} backlog=4096;
    listen 127.0.0.1:{port} backlog=4096;
    server_name localhost;
    location / {{ return 200 "Hello, World!"; }}
    location = /big {{ default_type application/octet-stream; alias {dir}/big.bin; }}
    location = /upload {{ client_max_body_size 0; return 200 "Hello, World!"; }}
    location = /nginx_status {{ stub_status; }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Status:
    accepts: int
    requests: int


class Nginx:
    """A private nginx; use as a context manager."""

    def __init__(self, size: int) -> None:
        self.size = size
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.dir = Path(tempfile.mkdtemp(prefix="usbench-", dir=base))
        self.socket = str(self.dir / "nginx.sock")
        self.port = free_port()
        self.big = self.dir / "big.bin"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nginx:
        with open(self.big, "wb") as handle:
            handle.truncate(self.size)
        conf = self.dir / "nginx.conf"
        conf.write_text(CONF.format(dir=self.dir, socket=self.socket, port=self.port))
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")],
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.dir / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited at start:\n{log}")
            with contextlib.suppress(OSError):
                self.status()
                return self
            time.sleep(0.02)
        self.__exit__()
        raise RuntimeError("nginx did not start within 10 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def version(self) -> str:
        out = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=False)
        return out.stderr.strip().partition("/")[2] or "?"

    def status(self) -> Status:
        """stub_status over the UNIX socket (this query is one accepted connection itself)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(self.socket)
            sock.sendall(
                b"GET /nginx_status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        numbers = data.split(b"\r\n\r\n", 1)[1].split(b"\n")[2].split()
        return Status(accepts=int(numbers[0]), requests=int(numbers[2]))

    def cpu(self) -> float:
        """nginx's CPU seconds so far (user + system)."""
        if self.process is None:
            return 0.0
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
