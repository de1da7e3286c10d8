"""The fuzz corpus (scripts/fuzz/corpus) replayed through the fuzz target's properties."""

from __future__ import annotations

from pathlib import Path

import pytest
import url_target

from unixsocket_url import UnixSocketURL

CORPUS = Path(__file__).resolve().parents[2] / "scripts" / "fuzz" / "corpus"


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_corpus_input_keeps_the_properties(name: str) -> None:
    url_target.check((CORPUS / name).read_bytes())


def test_the_properties_catch_a_parser_that_lets_crlf_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def leaky(url: str) -> UnixSocketURL:
        return UnixSocketURL("http+unix", "/s", "/a\r\nX-Evil: 1", "")

    monkeypatch.setattr(url_target, "parse_url", leaky)
    with pytest.raises(AssertionError):
        url_target.check(b"http+unix://%2Fs/a")
