"""Leak checks on open file descriptors, by identity rather than by count.

A count is fooled both ways: another test's leftovers, collected meanwhile, hide a leak, and a
reused descriptor number looks like the old one. ``opened_since(before)`` lists the files
(device and inode; sockets each have their own) open now that were not open before.
"""

from __future__ import annotations

import os
from collections import Counter

FileId = tuple[int, int]


def open_files() -> Counter[FileId]:
    """Every open file of this process, counted by identity (several fds may share one)."""
    found: Counter[FileId] = Counter()
    for fd in os.listdir("/proc/self/fd"):
        try:
            info = os.stat(f"/proc/self/fd/{fd}")
        except OSError:  # closed since the listing (the listing's own descriptor, for one)
            continue
        found[info.st_dev, info.st_ino] += 1
    return found


def opened_since(before: Counter[FileId]) -> Counter[FileId]:
    """The files open now beyond those in *before*: empty when nothing leaked."""
    return open_files() - before
