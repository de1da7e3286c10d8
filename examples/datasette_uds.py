"""Datasette on a UNIX socket (``datasette --uds``), queried with httpx.

    python examples/datasette_uds.py

Starts ``datasette --memory --uds PATH`` in a private directory, waits for its socket (no fixed
sleep), runs a SQL query through the JSON API and stops the server. Exits 0 with a message when
Datasette is not installed (``pip install datasette``).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile

import httpx_unixsocket
from unixsocket_testutils import server_process
from unixsocket_url import build_url


def main() -> int:
    if importlib.util.find_spec("datasette") is None:
        print("Datasette is not installed here: pip install datasette")
        return 0
    with tempfile.TemporaryDirectory(prefix="ds-", dir="/tmp") as directory:
        path = f"{directory}/datasette.sock"  # short: bind() stops at 107 bytes
        command = [sys.executable, "-m", "datasette", "--memory", "--uds", path]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        server = server_process(command, path, timeout=60, **quiet)
        with server, httpx_unixsocket.Client(base_url=build_url(path), timeout=10) as client:
            database = client.get("/_memory.json").json()
            print(f"database {database['database']!r} served on {path}")
            sql = "select 6 * 7 as answer, sqlite_version() as sqlite"
            rows = client.get("/_memory.json", params={"sql": sql, "_shape": "array"}).json()
            print(f"answer {rows[0]['answer']} from SQLite {rows[0]['sqlite']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
