"""TLS material for servers on UNIX sockets: a fresh trustme CA and a server context."""

from __future__ import annotations

import os
import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import trustme


def tls_contexts(tmpdir: str) -> tuple[ssl.SSLContext, str, trustme.CA]:
    """A server context for ``localhost`` signed by a fresh trustme CA, and the CA file path."""
    import trustme

    ca = trustme.CA()
    server_cert = ca.issue_cert("localhost", "service.internal")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    ca_path = os.path.join(tmpdir, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    return context, ca_path, ca
