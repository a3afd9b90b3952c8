"""Importing this module loads everything the pipeline loads lazily.

``fazhi-kg ingest --workers N`` names it as the forkserver's preload, so
jieba's dictionary with the domain lexicon, the gazetteers and every
recogniser's lexicons are loaded once, in the fork server, and each worker
starts as a fork of it with all of that in place (copy-on-write), instead
of loading it again (several seconds per worker).

Being the forkserver's preload, it is also where the forkserver asks to die
with the ingest that started it (see ingest.lifeline).
"""
from __future__ import annotations

from ingest import lifeline, pipeline, segment

lifeline.die_with_parent()

segment.setup()
pipeline.run_text("某某镇2023年法治政府建设情况报告\n一、主要举措和成效\n"
                  "聘请某某律师事务所律师担任法律顾问，开展法治宣传活动3场。\n", "warm.txt")
