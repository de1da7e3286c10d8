"""After fork(), a pool used in the child opens its own connection; the parent's keeps working."""

from __future__ import annotations

import os
import warnings

import pytest

from unixsocket_testutils import UnixSocketServerThread
from urllib3_unixsocket import UnixPoolManager

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_child_never_reuses_the_parents_connection(unix_server: UnixSocketServerThread) -> None:
    with UnixPoolManager() as pm:
        assert pm.request("GET", unix_server.url_for("/parent-1")).status == 200
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a multi-threaded process may deadlock; the
            # child here only makes one request and leaves with os._exit.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                os.close(read_end)
                response = pm.request("GET", unix_server.url_for("/child"))
                os.write(write_end, response.data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            child_saw = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert child_saw == b"Hello world!"
        assert pm.request("GET", unix_server.url_for("/parent-2")).status == 200
    by_target = {seen.target: seen.connection_index for seen in unix_server.requests}
    assert by_target == {"/parent-1": 0, "/child": 1, "/parent-2": 0}
    assert unix_server.accepted_connections == 2
