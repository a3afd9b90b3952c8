"""The bulk path: N-Quads shards with a manifest, and a loader thread.

A shard folder holds ``shard-000000.nq``, ``shard-000001.nq`` … (each a few
hundred thousand quads: every graph of whole files, never part of one),
``ontology.nq`` (the class hierarchy, for stores other than ours), and
``manifest.jsonl``, one JSON line per event:

* ``{"shard": NAME, "files": [stems], "reports": n, "quads": n}`` once a
  shard is complete on disk (written as ``NAME.part``, then renamed);
* ``{"loaded": NAME}`` once the embedded store has loaded it.

That is what makes a run resumable without duplicates: files named in the
manifest are not read again, shards named but not loaded are loaded, and a
``.part`` left by a crash is dropped (its files were never recorded, so
they are read again).  Loading a shard twice is harmless (a quad store is a
set).  The shards are plain N-Quads, so Oxigraph (``oxigraph load``), Jena
(``tdb2.tdbloader``) or Virtuoso (``ld_dir``) take them as they are.

Why a thread: ``Store.bulk_load`` releases the GIL, so the store builds its
indexes while this process goes on collecting outcomes from the workers.
Small shards load faster than one big file and keep the loader's memory
low (measured: 250,000 quads ≈ 300 MB; one file of 3 million ≈ 1.8 GB).
"""
from __future__ import annotations

import json
import os
import queue
import re
import threading
from collections.abc import Callable
from pathlib import Path

from kg.errors import FazhiError, StoreError
from kg.names import NameIndex
from kg.namespace import ONTOLOGY_GRAPH
from kg.prepared import Prepared
from kg.store import LocalStore, graph_prefix, ontology_ntriples

MANIFEST = "manifest.jsonl"
ONTOLOGY_SHARD = "ontology.nq"
#: quads per shard (a shard closes at the first file boundary past this)
SHARD_QUADS = 250_000
#: the names a shard folder holds: a folder of only these is ours, with or
#: without a manifest (a run killed before its first shard completed)
_OURS = re.compile(r"(?:shard-\d{6}\.nq|ontology\.nq|manifest\.jsonl)(?:\.part)?")


def split_nquads(text: str) -> dict[str, str]:
    """N-Quads lines (as :func:`ingest.runner.to_nquads` writes them) → graph → N-Triples.

    A line that has no graph name stays, as it is, with the graph of the line
    before it, so that graph fails its N-Triples check and names its file.
    """
    out: dict[str, list[str]] = {}
    graph = ""
    for line in text.split("\n"):      # not splitlines: a literal may hold U+2028
        if not line:
            continue
        parts = line.rsplit(" ", 2)
        if len(parts) == 3 and parts[2] == "." and parts[1].startswith("<") \
                and parts[1].endswith(">"):
            graph = parts[1][1:-1]
            out.setdefault(graph, []).append(parts[0] + " .\n")
        else:
            out.setdefault(graph, []).append(line + "\n")
    return {g: "".join(lines) for g, lines in out.items()}


class Shards:
    """A shard folder: what is written, what is loaded, and the shard being filled."""

    def __init__(self, folder: str | Path, *, shard_quads: int = SHARD_QUADS) -> None:
        self.folder = Path(folder)
        self.shard_quads = shard_quads
        if self.folder.exists() and not self.folder.is_dir():
            raise FazhiError(f"the shard folder {self.folder} is a file; use --shards with a "
                             "folder (it is created if missing)")
        if self.folder.is_dir() and not (self.folder / MANIFEST).exists():
            strangers = [p.name for p in self.folder.iterdir() if not _OURS.fullmatch(p.name)]
            if strangers:
                raise FazhiError(f"{self.folder} is a folder of other things ({strangers[0]}, "
                                 f"no {MANIFEST}); use --shards with a new or empty folder")
            # else: a run stopped before its first shard was complete (the
            # manifest is written then); what it left is dropped below
        self.folder.mkdir(parents=True, exist_ok=True)
        #: stems of files already in a complete shard
        self.files: set[str] = set()
        self.written: list[str] = []
        self.loaded: set[str] = set()
        self.stems_of: dict[str, list[str]] = {}
        self._next = 0
        self._read_manifest()
        for part in self.folder.glob("*.part"):
            part.unlink()      # a shard a stopped run did not finish: its files are redone
        # the one shard a kill can leave complete on disk but not in the
        # manifest (between its rename and its line): its files were never
        # recorded, so they are read again and it is written anew
        unrecorded = self.folder / f"shard-{self._next:06d}.nq"
        if unrecorded.name not in self.written and unrecorded.name not in self.loaded:
            unrecorded.unlink(missing_ok=True)
        if not (self.folder / ONTOLOGY_SHARD).exists():
            tmp = self.folder / (ONTOLOGY_SHARD + ".part")
            tmp.write_text(ontology_ntriples().replace(" .\n", f" <{ONTOLOGY_GRAPH}> .\n"),
                           encoding="utf-8")
            tmp.replace(self.folder / ONTOLOGY_SHARD)
        self._fh = None
        self._name = ""
        self._stems: list[str] = []
        self._quads = self._reports = 0

    # ------------------------------------------------------------ manifest

    def _read_manifest(self) -> None:
        path = self.folder / MANIFEST
        if not path.exists():
            return
        entries = []
        with path.open(encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                # only the last line can be cut short (a crash while appending)
                if any(rest.strip() for rest in lines[n:]):
                    raise FazhiError(f"{path}, line {n}: not JSON; the shard folder is damaged: "
                                     "remove it and ingest again") from None
        for e in entries:
            if "shard" in e:
                self.written.append(e["shard"])
                self.stems_of[e["shard"]] = list(e.get("files", ()))
                self._next = max(self._next, int(e["shard"][6:12]) + 1)
            elif "loaded" in e:
                self.loaded.add(e["loaded"])
        for name in list(self.written):
            if name not in self.loaded and not (self.folder / name).exists():
                self.written.remove(name)   # lost before it was loaded: read its files again
                continue
            self.files.update(self.stems_of[name])

    def _append(self, entry: dict) -> None:
        with (self.folder / MANIFEST).open("a", encoding="utf-8") as fh:
            # ASCII: file names that are not UTF-8 survive as \udcxx escapes
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def pending(self) -> list[Path]:
        """Shards written and not yet loaded, in order."""
        return [self.folder / n for n in self.written if n not in self.loaded]

    def mark_loaded(self, shard: Path) -> None:
        self.loaded.add(shard.name)
        self._append({"loaded": shard.name})

    # ------------------------------------------------------------- writing

    def add(self, stem: str, nquads: str, *, quads: int, reports: int) -> Path | None:
        """Append one file's quads; returns the shard it completed, if any."""
        if self._fh is None:
            self._name = f"shard-{self._next:06d}.nq"
            self._next += 1
            self._fh = (self.folder / (self._name + ".part")).open("w", encoding="utf-8")
        self._fh.write(nquads)
        self._stems.append(stem)
        self._quads += quads
        self._reports += reports
        if self._quads >= self.shard_quads:
            return self.close_current()
        return None

    def close_current(self) -> Path | None:
        """Complete the shard being filled (if any) and record it."""
        if self._fh is None:
            return None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        path = self.folder / self._name
        (self.folder / (self._name + ".part")).replace(path)
        self._append({"shard": self._name, "files": self._stems, "reports": self._reports,
                      "quads": self._quads})
        self.written.append(self._name)
        self.stems_of[self._name] = self._stems
        self.files.update(self._stems)
        self._fh, self._stems, self._quads, self._reports = None, [], 0, 0
        return path


class Loader:
    """Bulk-loads shards into an embedded store from a background thread.

    A shard that does not load (which would be a bug in the triple writer)
    is loaded file by file, each in its own transaction, so one bad file
    fails alone and names itself in ``failed``.
    """

    def __init__(self, store: LocalStore, shards: Shards, *, keep: bool = True,
                 say: Callable[[str], None] = print, names: NameIndex | None = None,
                 prepared: Prepared | None = None) -> None:
        self.store = store
        self.shards = shards
        self.keep = keep
        self.say = say
        self.names = names      # given when no ingest run added the shards' names
        self.prepared = prepared    # and their prepared rows (kg.prepared)
        self.failed: list[str] = []
        self.error: BaseException | None = None
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="bulk-loader", daemon=True)

    def start(self) -> None:
        for shard in self.shards.pending():
            self._queue.put(shard)
        self._thread.start()

    def submit(self, shard: Path) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(shard)

    def finish(self) -> None:
        """Wait for every submitted shard; raise what stopped the loader."""
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _work(self) -> None:
        while True:
            shard = self._queue.get()
            if shard is None:
                return
            if self.error is not None:
                continue        # drain: the run is failing, keep the rest for a resume
            try:
                self.load(shard)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self.error = exc if isinstance(exc, FazhiError) else StoreError(
                    f"loading {shard} into {self.store.location} failed: {exc}; what was "
                    f"loaded stays; run the same command again to resume")

    def load(self, shard: Path) -> None:
        try:
            # The quads are kg.triples' own (IRIs minted valid, literals escaped),
            # so the store may skip re-validating them; a line that does not
            # parse still sends the shard file by file.
            self.store.bulk_load(shard)
        except SyntaxError as exc:
            self.say(f"warning: {shard}: not valid N-Quads ({exc}); loading it file by file")
            self._load_by_file(shard)
        except OSError as exc:
            raise StoreError(f"cannot write {shard} into the store at {self.store.location}: "
                             f"{exc}; what was loaded stays; free disk space and run the same "
                             "command again to resume") from exc
        if self.names is not None:
            self.names.add_shard(shard)
        if self.prepared is not None:
            self.prepared.add_shard(shard, skip=set(self.failed))
        self.shards.mark_loaded(shard)
        if not self.keep:
            shard.unlink(missing_ok=True)

    def _load_by_file(self, shard: Path) -> None:
        graphs = split_nquads(shard.read_text(encoding="utf-8"))
        by_stem: dict[str, dict[str, str]] = {}
        stems = self.shards.stems_of.get(shard.name, [])
        for g, text in graphs.items():
            stem = next((s for s in stems if g.startswith(graph_prefix(s))), None)
            if stem is not None:
                by_stem.setdefault(stem, {})[g] = text
        for stem in stems:
            try:
                self.store.replace(stem, by_stem.get(stem, {}))
            except FazhiError as exc:
                self.failed.append(stem)
                self.say(f"failed: {stem}: {exc}")
