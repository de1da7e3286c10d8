"""nginx in front of a gunicorn app, socket to socket: ``upstream { server unix:... }``.

    python examples/nginx_frontend.py

Starts gunicorn on ``backend.sock`` and a private nginx (its own prefix and config,
``daemon off``) listening on ``front.sock`` and proxying to it, then sends requests through
nginx with requests and shows what the backend saw. Exits 0 with a message when nginx is not
installed (Debian: ``apt-get install nginx-light``; this repository: ``scripts/install-servers``).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING

import requests_unixsocket
from unixsocket_testutils import server_process
from unixsocket_url import build_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

NGINX_CONF = """\
daemon off;
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream backend {{
        server unix:{backend};
        keepalive 8;
    }}
    server {{
        listen unix:{front};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Id $request_id;
        }}
    }}
}}
"""


def backend(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The app behind nginx (served by gunicorn): what it received, as JSON."""
    seen = {
        "path": environ["PATH_INFO"],
        "host": environ.get("HTTP_HOST"),
        "request_id": environ.get("HTTP_X_REQUEST_ID"),
        "pid": os.getpid(),
    }
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(path)),
        None,
    )


def main() -> int:
    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed here (Debian: apt-get install nginx-light)")
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="ngx-", dir="/tmp") as prefix:
        back, front = f"{prefix}/backend.sock", f"{prefix}/front.sock"
        # as root, nginx's workers would switch to "nobody", who cannot enter this 0700 directory
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        config = f"{prefix}/nginx.conf"
        with open(config, "w") as file:
            file.write(NGINX_CONF.format(user=user, prefix=prefix, backend=back, front=front))
        gunicorn = [sys.executable, "-m", "gunicorn", "--bind", f"unix:{back}", "--workers", "1"]
        gunicorn += ["--chdir", here, "--log-level", "warning", "nginx_frontend:backend"]
        nginx_command = [nginx, "-p", prefix, "-c", config, "-e", "stderr"]
        backend_server = server_process(gunicorn, back, timeout=30)
        front_server = server_process(nginx_command, front)  # started after the backend
        with backend_server, front_server, requests_unixsocket.Session() as session:
            for path in ("/", "/api/items", "/api/items?page=2"):
                response = session.get(build_url(front, path), timeout=10)
                server = response.headers["Server"]
                print(f"{path:<18} {response.status_code} via {server}: {response.json()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
