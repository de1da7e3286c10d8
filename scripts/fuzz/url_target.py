"""Fuzz target for unixsocket_url's parser and builder (atheris).

    scripts/fuzz/run            # fuzz for 5 minutes, starting from corpus/
    scripts/fuzz/run -runs=1000 # any libFuzzer option

``check(data)`` holds the properties and imports no fuzzer, so tests/test_url replays the
corpus through it: every input the fuzzer finds worth keeping becomes a regular test by
adding it to corpus/.
"""

from __future__ import annotations

import os
import sys

from unixsocket_url import InvalidURL, build_url, parse_url

FORBIDDEN_IN_TARGET = (" ", "\r", "\n", "\t", "\0")


def check(data: bytes) -> None:
    """The properties: fail with an exception when one does not hold."""
    text = data.decode("utf-8", "surrogateescape")
    for url in (text, "http+unix://" + text):
        try:
            parsed = parse_url(url)
        except InvalidURL:
            continue
        assert not any(char in parsed.target for char in FORBIDDEN_IN_TARGET), parsed
        assert parsed.target.startswith("/"), parsed
        address = os.fsencode(parsed.address)
        assert address, parsed
        if not parsed.is_abstract:
            assert b"\0" not in address, parsed  # the kernel would cut the path there
        assert parse_url(str(parsed)) == parsed, (url, str(parsed))
    name, _, path = data.partition(b"\n")
    try:
        built = build_url(name, path.decode("utf-8", "replace"))
    except InvalidURL:
        return
    assert os.fsencode(parse_url(built).address) == name


def main() -> None:
    import atheris  # type: ignore[import-untyped]  # only in the fuzz environment

    atheris.instrument_all()  # coverage feedback from unixsocket_url, imported above
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
