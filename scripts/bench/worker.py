"""One benchmark case in a fresh process: ``python -m scripts.bench.worker '<json spec>'``.

The spec names a client and a scenario; the process sets the client up, warms it up, times the
scenario and prints one JSON line (elapsed seconds, CPU seconds, peak RSS growth, pool-full
discards, bytes moved). Only the standard library is imported at module level: the peer
requests-unixsocket2 runs this module from its own environment, where our packages are absent.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import resource
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

SMALL_BODY = b"Hello, World!"
CHUNK = 1 << 20
WARMUP = 50


@dataclass
class Spec:
    client: str
    scenario: str
    socket: str
    port: int
    requests: int = 2000
    size: int = 256 << 20
    file: str = ""
    threads: int = 8
    tasks: int = 50


@dataclass
class Counters:
    discards: int = 0
    moved: int = 0
    sent: int = 0
    cpu: float = 0.0
    rss_growth: int = 0
    marks: dict[str, float] = field(default_factory=dict)

    def start(self) -> float:
        """Start the measured section: CPU time and peak RSS are taken around it too."""
        self.marks = {"cpu": _cpu(), "rss": _maxrss()}
        return time.perf_counter()

    def stop(self, started: float) -> float:
        elapsed = time.perf_counter() - started
        self.cpu = _cpu() - self.marks["cpu"]
        self.rss_growth = max(0, _maxrss() - int(self.marks["rss"]))
        return elapsed


class _PoolFull(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self, counters: Counters) -> None:
        super().__init__(logging.WARNING)
        self.counters = counters

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.counters.discards += 1


def count_sent(counters: Counters) -> None:
    """Count the bytes every ``socket.socket`` sends from now on (uploads only: a check that
    the client sent the whole body, as nginx answers before it has read it)."""
    cls: Any = socket.socket

    def wrap(name: str, size: Callable[[Any, Any], int]) -> None:
        original = getattr(cls, name)

        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            counters.sent += size(args, result)
            return result

        setattr(cls, name, counted)

    wrap("send", lambda args, result: int(result))
    wrap("sendall", lambda args, result: memoryview(args[0]).nbytes)
    wrap("sendmsg", lambda args, result: int(result))
    wrap("sendfile", lambda args, result: int(result))


# ------------------------------------------------------------------------------- sync clients


class SyncClient:
    """What every synchronous client offers the scenarios."""

    def get(self, path: str) -> bytes:
        raise NotImplementedError

    def download(self, path: str) -> int:
        raise NotImplementedError

    def upload(self, path: str, body: Any, size: int) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


class Raw(SyncClient):
    """The floor: fixed requests written to an AF_UNIX socket, minimal response parsing."""

    def __init__(self, spec: Spec) -> None:
        self.path = spec.socket
        self.local = threading.local()

    def _sock(self) -> socket.socket:
        sock: socket.socket | None = getattr(self.local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(30)
            sock.connect(self.path)
            self.local.sock = sock
            self.local.buf = b""
        return sock

    def _head(self, sock: socket.socket) -> tuple[int, bytes]:
        """Read the response head: (content length, body bytes already received)."""
        buf: bytes = self.local.buf
        while (end := buf.find(b"\r\n\r\n")) < 0:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("server closed the connection")
            buf += data
        head = buf[:end]
        at = head.lower().find(b"content-length:")
        length = int(head[at + 15 : head.find(b"\r\n", at)])
        self.local.buf = b""
        return length, buf[end + 4 :]

    def _body(self, sock: socket.socket, length: int, have: bytes) -> bytes:
        while len(have) < length:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("server closed the connection")
            have += data
        self.local.buf = have[length:]
        return have[:length]

    def get(self, path: str) -> bytes:
        sock = self._sock()
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path.encode())
        length, have = self._head(sock)
        return self._body(sock, length, have)

    def download(self, path: str) -> int:
        sock = self._sock()
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path.encode())
        length, have = self._head(sock)
        got = len(have)
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        while got < length:
            n = sock.recv_into(view, min(CHUNK, length - got))
            if not n:
                raise ConnectionError("server closed the connection")
            got += n
        return got

    def upload(self, path: str, body: Any, size: int) -> int:
        sock = self._sock()
        sock.sendall(
            b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n"
            % (path.encode(), size)
        )
        if isinstance(body, bytes):
            sock.sendall(body)
        else:
            sock.sendfile(body)
        length, have = self._head(sock)
        self._body(sock, length, have)
        return 200

    def close(self) -> None:
        sock = getattr(self.local, "sock", None)
        if sock is not None:
            sock.close()


class Urllib3Ten(SyncClient):
    """urllib3's own pool with the 10-line UNIX connection everyone writes (maxsize=threads)."""

    def __init__(self, spec: Spec) -> None:
        connection = importlib.import_module("urllib3.connection")
        connectionpool = importlib.import_module("urllib3.connectionpool")
        path = spec.socket

        class UnixConnection(connection.HTTPConnection):  # type: ignore[misc,name-defined]
            def _new_conn(self) -> socket.socket:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(path)
                return sock

        class UnixPool(connectionpool.HTTPConnectionPool):  # type: ignore[misc,name-defined]
            ConnectionCls = UnixConnection

        self.pool = UnixPool("localhost", maxsize=spec.threads)

    def get(self, path: str) -> bytes:
        return self.pool.request("GET", path).data  # type: ignore[no-any-return]

    def download(self, path: str) -> int:
        return _urllib3_download(self.pool.request("GET", path, preload_content=False))

    def upload(self, path: str, body: Any, size: int) -> int:
        headers = {"Content-Length": str(size)}
        return self.pool.request("POST", path, body=body, headers=headers).status  # type: ignore[no-any-return]

    def close(self) -> None:
        self.pool.close()


def _urllib3_download(response: Any) -> int:
    got = 0
    for chunk in response.stream(CHUNK):
        got += len(chunk)
    response.release_conn()
    return got


class OursUrllib3(SyncClient):
    """urllib3_unixsocket.UnixPoolManager (maxsize=threads, as a threaded user would set)."""

    def __init__(self, spec: Spec) -> None:
        module = importlib.import_module("urllib3_unixsocket")
        self.manager = module.UnixPoolManager(maxsize=spec.threads)
        self.base = "http+unix://" + quote(spec.socket, safe="")

    def get(self, path: str) -> bytes:
        return self.manager.request("GET", self.base + path).data  # type: ignore[no-any-return]

    def download(self, path: str) -> int:
        return _urllib3_download(
            self.manager.request("GET", self.base + path, preload_content=False)
        )

    def upload(self, path: str, body: Any, size: int) -> int:
        headers = {"Content-Length": str(size)}
        response = self.manager.request("POST", self.base + path, body=body, headers=headers)
        return response.status  # type: ignore[no-any-return]

    def close(self) -> None:
        self.manager.clear()


class RequestsClient(SyncClient):
    """A requests Session: plain over TCP, or a requests_unixsocket Session (ours or the peer's)."""

    def __init__(self, spec: Spec) -> None:
        if spec.client == "requests-tcp":
            requests = importlib.import_module("requests")
            self.session = requests.Session()
            self.base = f"http://127.0.0.1:{spec.port}"
        else:
            module = importlib.import_module("requests_unixsocket")
            self.session = module.Session()
            self.base = "http+unix://" + quote(spec.socket, safe="")

    def get(self, path: str) -> bytes:
        response = self.session.get(self.base + path)
        response.raise_for_status()
        return response.content  # type: ignore[no-any-return]

    def download(self, path: str) -> int:
        got = 0
        with self.session.get(self.base + path, stream=True) as response:
            for chunk in response.iter_content(CHUNK):
                got += len(chunk)
        return got

    def upload(self, path: str, body: Any, size: int) -> int:
        return self.session.post(self.base + path, data=body).status_code  # type: ignore[no-any-return]

    def close(self) -> None:
        self.session.close()


def _httpx_library(client: str) -> str:
    """``httpx`` or ``httpx2``: the library an httpx client of the benchmark runs on."""
    return "httpx2" if "httpx2" in client else "httpx"


class HttpxClient(SyncClient):
    """httpx.Client on ``HTTPTransport(uds=)``, or httpx_unixsocket.Client with UNIX URLs
    (httpx2 and httpx2_unixsocket for the httpx2 clients)."""

    def __init__(self, spec: Spec) -> None:
        library = _httpx_library(spec.client)
        httpx = importlib.import_module(library)
        if spec.client.endswith("-uds"):
            self.client = httpx.Client(transport=httpx.HTTPTransport(uds=spec.socket))
            self.base = "http://localhost"
        else:
            self.client = importlib.import_module(f"{library}_unixsocket").Client()
            self.base = "http+unix://" + quote(spec.socket, safe="")

    def get(self, path: str) -> bytes:
        response = self.client.get(self.base + path)
        response.raise_for_status()
        return response.content  # type: ignore[no-any-return]

    def download(self, path: str) -> int:
        got = 0
        with self.client.stream("GET", self.base + path) as response:
            for chunk in response.iter_bytes(CHUNK):
                got += len(chunk)
        return got

    def upload(self, path: str, body: Any, size: int) -> int:
        return self.client.post(self.base + path, content=body).status_code  # type: ignore[no-any-return]

    def close(self) -> None:
        self.client.close()


class HttpxFloor(SyncClient):
    """httpx's (or httpx2's) Client on the thinnest transport: :class:`Raw` under it (the fixed
    request written to one kept-alive socket, the fixed-size answer read back)."""

    def __init__(self, spec: Spec) -> None:
        httpx = importlib.import_module(_httpx_library(spec.client))
        raw = Raw(spec)

        class FloorTransport(httpx.BaseTransport):  # type: ignore[name-defined,misc]
            def handle_request(self, request: Any) -> Any:
                body = raw.get(request.url.raw_path.decode("ascii"))
                return httpx.Response(200, headers=[(b"Content-Length", b"13")], content=body)

            def close(self) -> None:
                raw.close()

        self.client = httpx.Client(transport=FloorTransport())

    def get(self, path: str) -> bytes:
        response = self.client.get("http://localhost" + path)
        response.raise_for_status()
        return response.content  # type: ignore[no-any-return]

    def close(self) -> None:
        self.client.close()


# ------------------------------------------------------------------------------ async clients


class AsyncClient:
    """What every asynchronous client offers the scenarios (set up inside the event loop)."""

    async def start(self) -> None:
        pass

    async def get(self, path: str) -> bytes:
        raise NotImplementedError

    async def download(self, path: str) -> int:
        raise NotImplementedError

    async def upload(self, path: str, body: Any, size: int) -> int:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class Aiohttp(AsyncClient):
    """aiohttp's ClientSession on a UnixConnector (its default limit of 100 connections)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.session: Any = None

    async def start(self) -> None:
        aiohttp = importlib.import_module("aiohttp")
        self.session = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=self.spec.socket))

    async def get(self, path: str) -> bytes:
        async with self.session.get("http://localhost" + path) as response:
            response.raise_for_status()
            return await response.read()  # type: ignore[no-any-return]

    async def download(self, path: str) -> int:
        got = 0
        async with self.session.get("http://localhost" + path) as response:
            async for chunk in response.content.iter_chunked(CHUNK):
                got += len(chunk)
        return got

    async def upload(self, path: str, body: Any, size: int) -> int:
        async with self.session.post("http://localhost" + path, data=body) as response:
            await response.read()
            return response.status  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.session.close()


async def _aiter_file(handle: Any) -> Any:
    while chunk := handle.read(CHUNK):
        yield chunk


class HttpxAsync(AsyncClient):
    """httpx.AsyncClient on ``AsyncHTTPTransport(uds=)``, or httpx_unixsocket.AsyncClient
    (httpx2 and httpx2_unixsocket for the httpx2 clients)."""

    def __init__(self, spec: Spec) -> None:
        library = _httpx_library(spec.client)
        httpx = importlib.import_module(library)
        if spec.client.endswith("-uds"):
            transport = httpx.AsyncHTTPTransport(uds=spec.socket)
            self.client = httpx.AsyncClient(transport=transport)
            self.base = "http://localhost"
        else:
            self.client = importlib.import_module(f"{library}_unixsocket").AsyncClient()
            self.base = "http+unix://" + quote(spec.socket, safe="")

    async def get(self, path: str) -> bytes:
        response = await self.client.get(self.base + path)
        response.raise_for_status()
        return response.content  # type: ignore[no-any-return]

    async def download(self, path: str) -> int:
        got = 0
        async with self.client.stream("GET", self.base + path) as response:
            async for chunk in response.aiter_bytes(CHUNK):
                got += len(chunk)
        return got

    async def upload(self, path: str, body: Any, size: int) -> int:
        if not isinstance(body, bytes):  # httpx's async client takes an async iterator
            body = _aiter_file(body)
        headers = {"Content-Length": str(size)}
        response = await self.client.post(self.base + path, content=body, headers=headers)
        return response.status_code  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.client.aclose()


class HttpxAsyncFloor(AsyncClient):
    """:class:`HttpxFloor` for httpx's AsyncClient: one non-blocking socket on the event loop."""

    def __init__(self, spec: Spec) -> None:
        httpx = importlib.import_module(_httpx_library(spec.client))
        self.sock = sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(spec.socket)
        sock.setblocking(False)

        class FloorTransport(httpx.AsyncBaseTransport):  # type: ignore[name-defined,misc]
            async def handle_async_request(self, request: Any) -> Any:
                loop = asyncio.get_running_loop()
                head = b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % request.url.raw_path
                await loop.sock_sendall(sock, head)
                data = b""
                while (end := data.find(b"\r\n\r\n")) < 0 or len(data) < end + 4 + 13:
                    received = await loop.sock_recv(sock, 65536)
                    if not received:
                        raise ConnectionError("server closed the connection")
                    data += received
                body = data[end + 4 :]
                return httpx.Response(200, headers=[(b"Content-Length", b"13")], content=body)

        self.client = httpx.AsyncClient(transport=FloorTransport())

    async def get(self, path: str) -> bytes:
        response = await self.client.get("http://localhost" + path)
        response.raise_for_status()
        return response.content  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.client.aclose()
        self.sock.close()


SYNC: dict[str, Callable[[Spec], SyncClient]] = {
    "raw": Raw,
    "urllib3-10line": Urllib3Ten,
    "requests-tcp": RequestsClient,
    "requests-unixsocket2": RequestsClient,
    "httpx-floor": HttpxFloor,
    "httpx-uds": HttpxClient,
    "ours-requests": RequestsClient,
    "ours-urllib3": OursUrllib3,
    "ours-httpx": HttpxClient,
    "httpx2-floor": HttpxFloor,
    "httpx2-uds": HttpxClient,
    "ours-httpx2": HttpxClient,
}
ASYNC: dict[str, Callable[[Spec], AsyncClient]] = {
    "aiohttp": Aiohttp,
    "httpx-async-floor": HttpxAsyncFloor,
    "httpx2-async-floor": HttpxAsyncFloor,
    "httpx-async-uds": HttpxAsync,
    "ours-httpx-async": HttpxAsync,
    "httpx2-async-uds": HttpxAsync,
    "ours-httpx2-async": HttpxAsync,
}


# ---------------------------------------------------------------------------------- scenarios


def _check(body: bytes) -> None:
    if body != SMALL_BODY:
        raise AssertionError(f"unexpected body {body[:60]!r}")


def _body(spec: Spec, scenario: str) -> tuple[Any, Callable[[], None]]:
    if scenario == "upload-bytes":
        return bytes(spec.size), lambda: None
    handle = open(spec.file, "rb")  # noqa: SIM115 - closed by the returned callback
    return handle, handle.close


def run_sync(spec: Spec, client: SyncClient, counters: Counters) -> float:
    """Time the scenario with a synchronous client; returns elapsed seconds."""
    for _ in range(WARMUP):
        _check(client.get("/"))
    scenario = spec.scenario
    if scenario in ("get", "env40"):
        start = counters.start()
        for _ in range(spec.requests):
            _check(client.get("/"))
        return counters.stop(start)
    if scenario == "paths":
        paths = [f"/items/{i}?page={i % 7}" for i in range(spec.requests)]
        start = counters.start()
        for path in paths:
            _check(client.get(path))
        return counters.stop(start)
    if scenario == "threads8":
        per_thread = spec.requests // spec.threads
        barrier = threading.Barrier(spec.threads + 1)

        def work() -> None:
            barrier.wait()
            for _ in range(per_thread):
                _check(client.get("/"))

        with ThreadPoolExecutor(spec.threads) as pool:
            futures = [pool.submit(work) for _ in range(spec.threads)]
            barrier.wait()
            start = counters.start()
            for future in futures:
                future.result()
            return counters.stop(start)
    if scenario == "download":
        start = counters.start()
        counters.moved = client.download("/big")
        elapsed = counters.stop(start)
        if counters.moved != spec.size:
            raise AssertionError(f"downloaded {counters.moved} bytes, expected {spec.size}")
        return elapsed
    if scenario in ("upload-bytes", "upload-file"):
        body, done = _body(spec, scenario)
        try:
            start = counters.start()
            status = client.upload("/upload", body, spec.size)
            elapsed = counters.stop(start)
        finally:
            done()
        if status != 200:
            raise AssertionError(f"upload answered {status}")
        counters.moved = min(counters.sent, spec.size)  # short: the client gave up
        return elapsed
    raise ValueError(f"unknown scenario {scenario}")


async def run_async(spec: Spec, client: AsyncClient, counters: Counters) -> float:
    """Time the scenario with an asynchronous client; returns elapsed seconds."""
    await client.start()
    try:
        for _ in range(WARMUP):
            _check(await client.get("/"))
        scenario = spec.scenario
        if scenario == "get":
            start = counters.start()
            for _ in range(spec.requests):
                _check(await client.get("/"))
            return counters.stop(start)
        if scenario == "paths":
            paths = [f"/items/{i}?page={i % 7}" for i in range(spec.requests)]
            start = counters.start()
            for path in paths:
                _check(await client.get(path))
            return counters.stop(start)
        if scenario == "async50":
            per_task = spec.requests // spec.tasks

            async def work() -> None:
                for _ in range(per_task):
                    _check(await client.get("/"))

            start = counters.start()
            await asyncio.gather(*(work() for _ in range(spec.tasks)))
            return counters.stop(start)
        if scenario == "download":
            start = counters.start()
            counters.moved = await client.download("/big")
            elapsed = counters.stop(start)
            if counters.moved != spec.size:
                raise AssertionError(f"downloaded {counters.moved} bytes, expected {spec.size}")
            return elapsed
        if scenario in ("upload-bytes", "upload-file"):
            body, done = _body(spec, scenario)
            try:
                start = counters.start()
                status = await client.upload("/upload", body, spec.size)
                elapsed = counters.stop(start)
            finally:
                done()
            if status != 200:
                raise AssertionError(f"upload answered {status}")
            counters.moved = min(counters.sent, spec.size)  # short: the client gave up
            return elapsed
        raise ValueError(f"unknown scenario {scenario}")
    finally:
        await client.close()


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(spec: Spec) -> dict[str, Any]:
    """Run one case and return what it measured."""
    counters = Counters()
    logging.getLogger("urllib3.connectionpool").addHandler(_PoolFull(counters))
    if spec.scenario.startswith("upload"):
        count_sent(counters)
    elapsed: float
    if spec.client in SYNC:
        client = SYNC[spec.client](spec)
        try:
            elapsed = run_sync(spec, client, counters)
        finally:
            client.close()
    else:
        factory = ASYNC[spec.client]

        async def main() -> float:
            return await run_async(spec, factory(spec), counters)

        runner: Callable[[Awaitable[float]], float] = asyncio.run  # type: ignore[assignment]
        elapsed = runner(main())
    return {
        "elapsed": elapsed,
        "cpu": counters.cpu,
        "rss_growth": counters.rss_growth,
        "discards": counters.discards,
        "moved": counters.moved,
        "sent": counters.sent,
        "python": sys.version.split()[0],
    }


def versions(client: str) -> dict[str, str]:
    """The versions of the libraries *client* uses (read after the run, from metadata)."""
    from importlib import metadata

    names = {
        "urllib3-10line": ["urllib3"],
        "requests-tcp": ["requests", "urllib3"],
        "requests-unixsocket2": ["requests-unixsocket2", "requests", "urllib3"],
        "httpx-floor": ["httpx"],
        "httpx-async-floor": ["httpx"],
        "httpx2-floor": ["httpx2"],
        "httpx2-async-floor": ["httpx2"],
        "httpx-uds": ["httpx", "httpcore"],
        "httpx-async-uds": ["httpx", "httpcore", "anyio"],
        "aiohttp": ["aiohttp"],
        "ours-requests": ["requests-unixsocket", "requests", "urllib3"],
        "ours-urllib3": ["urllib3-unixsocket", "urllib3"],
        "ours-httpx": ["httpx-unixsocket", "httpx", "httpcore"],
        "ours-httpx-async": ["httpx-unixsocket", "httpx", "httpcore", "anyio"],
        "httpx2-uds": ["httpx2", "httpcore2"],
        "httpx2-async-uds": ["httpx2", "httpcore2", "anyio"],
        "ours-httpx2": ["httpx2-unixsocket", "httpx2", "httpcore2"],
        "ours-httpx2-async": ["httpx2-unixsocket", "httpx2", "httpcore2", "anyio"],
    }.get(client, [])
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    return found


def main() -> None:
    spec = Spec(**json.loads(sys.argv[1]))
    result = measure(spec)
    result["versions"] = versions(spec.client)
    result["pid"] = os.getpid()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
