"""Cut a process off the network: a Linux network namespace of its own.

Called first thing in every query worker (:mod:`kg.sparql`), before it
reads a query: whatever a query makes Oxigraph do (``SERVICE`` that got
past the parser, say), the worker has no interface but a loopback that is
down, so a connect fails at once and nothing leaves the process.

``unshare(CLONE_NEWNET)`` needs CAP_SYS_ADMIN (root); otherwise a user
namespace is made in the same call, which unprivileged users may do where
the kernel allows it (``user.max_user_namespaces`` > 0).  Python 3.11 has no
``os.unshare``, so libc's is called through ctypes.  Both must happen
before the process starts a thread (the kernel refuses a user namespace to
a multi-threaded process).
"""
from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def isolate() -> str | None:
    """Move this process into a network namespace of its own.

    Returns None on success, else why it could not (one line, for the log).
    """
    if not sys.platform.startswith("linux"):
        return f"no network namespaces on {sys.platform}"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as exc:
        return f"libc has no unshare ({exc})"
    errors = []
    for flags, what in ((CLONE_NEWNET, "net"), (CLONE_NEWUSER | CLONE_NEWNET, "user+net")):
        if unshare(flags) == 0:
            return None
        errors.append(f"unshare({what}): {os.strerror(ctypes.get_errno())}")
    return "; ".join(errors)
