"""Worker processes die with their parent.

``fazhi-kg ingest --workers N`` starts a forkserver and N workers.  Killed
with SIGKILL, the ingest cannot stop them, and they lived on (holding
hundreds of MB and the dead parent's stdout/stderr, so a caller reading
those pipes waited for ever).  On Linux each of them asks the kernel for
SIGKILL when its parent goes (``prctl(PR_SET_PDEATHSIG)``): the forkserver
when the ingest goes, each worker when the forkserver goes.  The resource
tracker then reads end-of-file on its pipe and exits by itself.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask for SIGKILL when the parent exits; False where that cannot be had.

    The parent may already be gone (it died between our fork and this
    call): then we are an orphan already and exit now.
    """
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    # reparented (to init, or a subreaper) before or during the call: the
    # signal will never come, so go now
    if os.getppid() != parent or parent == 1:
        os._exit(1)
    return True
