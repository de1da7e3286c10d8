"""Running a piece of a test in a forked child process."""

from __future__ import annotations

import os
import warnings
from typing import Callable


def said_in_child(run: Callable[[], str]) -> str:
    """What *run* returns when called in a forked child (``""`` if it raised); the child leaves
    with ``os._exit`` and is waited for."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process may deadlock; the child
        # only runs *run* and leaves.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            os.write(write_end, run().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(pid, 0)
    return said
