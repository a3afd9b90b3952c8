"""A synthetic national-scale fazhi-kg graph, in the RDF shape kg/triples.py writes.

Usage::

    python benchmarks/synth.py --townships 40000 --out DIR          # DIR/synth.nq
    python benchmarks/synth.py --townships 40000 --store DIR/store  # bulk-load

Deterministic for a given ``--seed``.  The shape is the real one: every
report is first built as kg.model objects (Doc, Report, Entity, Mention,
Relation, Indicator — what the pipeline fills), then written either by
``kg.triples.report_quads`` itself (``exact=True``: slow, for tests) or by
:func:`fast_nquads`, a string-template copy of it (tests check that both
give the same quads, so the copy cannot drift silently from triples.py).

What is realistic (from the gold keys of the seed and dev reports): per
report about 20 organisations (mostly the township's own, a few of the
county, a law firm as 法律顾问), 25 systems, 9 laws, 22 activities, 1–2
persons, 15 figures, 1–3 mentions per entity, ~65 sentences; laws, systems
and activities are shared national concepts drawn from Zipf-like
vocabularies (a few — 宪法, 民法典 — are in almost every report; the long
tail is rare), plus documents of the report's own county.
Names are made up from syllables; no report text is used.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.model import (ACTIVITY, DIVISION, LAW, ORGANIZATION, PERSON, SYSTEM, TOWNSHIP,  # noqa: E402
                      Doc, Entity, Indicator, Mention, Relation, Report, ReportMeta, Section,
                      Sentence)
from kg.namespace import graph_iri, mint  # noqa: E402

_SYL = ("江 河 山 石 桥 平 安 新 兴 龙 凤 马 金 银 清 水 东 西 南 北 中 大 小 长 高 永 宁 和 "
        "太 白 青 黄 红 城 关 镇 口 沟 湾 坪 坝 塘 岭 岗 林 花 梅 竹 松 柏 云 阳 华 明 德 福 "
        "寿 庆 丰 泰 合 兆 家 庄 集 店 铺 营 寨 堡 村 溪 湖 海 滩 洲 塔 寺 台").split()
_TOWN_KINDS = (("镇", 70), ("乡", 18), ("街道", 12))
_COUNTY_KINDS = (("县", 60), ("区", 28), ("市", 12))
_LAW_STEMS = ("宪法 民法典 行政处罚法 行政许可法 行政强制法 行政复议法 行政诉讼法 人民调解法 "
              "土地管理法 安全生产法 消防法 食品安全法 环境保护法 森林法 水法 道路交通安全法 "
              "治安管理处罚法 反家庭暴力法 未成年人保护法 妇女权益保障法 老年人权益保障法 "
              "农村土地承包法 村民委员会组织法 信访工作条例 政府信息公开条例 优化营商环境条例 "
              "重大行政决策程序暂行条例 保障农民工工资支付条例").split()
_SYSTEM_SUFFIX = ("制度", "机制", "清单", "责任制", "程序", "工作法")
_SYSTEM_STEMS = ("会前学法 法律顾问 合法性审查 重大决策 权责 行政执法公示 执法全过程记录 "
                 "重大执法决定法制审核 网格化管理 矛盾纠纷排查 河长 林长 首问负责 "
                 "一站式服务 村务公开 三重一大 信访 谁执法谁普法 领导干部述法 "
                 "双随机一公开 容缺受理 容错纠错 平安建设 综治 调解").split()
_ACT_SUFFIX = ("宣传活动", "专项行动", "培训", "讲座", "集中整治", "宣传月", "主题活动", "演练")
_ACT_STEMS = ("法治宣传 宪法宣传 民法典宣传 反诈宣传 禁毒宣传 安全生产 消防安全 防汛 "
              "扫黑除恶 法律进乡村 送法下乡 以案释法 法治文艺 普法 移风易俗 "
              "防范非法集资 食品安全 环境整治 矛盾化解 信访积案化解").split()
_LOCAL_ORGS = ("党委", "人民政府", "司法所", "综治中心", "派出所", "人民调解委员会", "纪委",
               "人大主席团", "应急管理办公室", "综合行政执法队", "便民服务中心", "财政所",
               "自然资源所", "法治政府建设工作领导小组", "党政办公室", "社会事务办公室",
               "退役军人服务站", "网格管理中心", "法律服务工作站", "矛盾纠纷调处中心")
_COUNTY_ORGS = ("县委", "县政府", "县人民法院", "县司法局", "县人民检察院", "县公安局",
                "县人大常委会", "县委依法治县办")
_SHARED_ORGS = ("国务院", "中央全面依法治国委员会", "党中央", "省委", "省政府")
_METRICS = (("调处矛盾纠纷", "件"), ("开展法治宣传", "场次"), ("审查合同", "份"),
            ("发放宣传资料", "份"), ("行政复议案件", "件"), ("受理信访", "件"),
            ("培训执法人员", "人次"), ("罚款", "元"), ("接待群众", "人次"))
_POSTS = ("党委书记", "镇长", "乡长", "主任", "司法所所长")


def _zipf_pick(rng: random.Random, items: list[str], k: int, cum: list[float]) -> list[str]:
    """k distinct items, heavy-headed (rank r drawn with weight 1/r)."""
    out: dict[str, None] = {}
    tries = 0
    while len(out) < k and tries < k * 8:
        out[rng.choices(items, cum_weights=cum)[0]] = None
        tries += 1
    return list(out)


class World:
    """Provinces, prefectures, counties, townships and the shared vocabularies."""

    def __init__(self, townships: int, seed: int = 7, counties: int | None = None) -> None:
        self.seed = seed
        self.rng = rng = random.Random(seed)
        n_counties = counties or max(1, round(townships / 14.3))     # ~2,800 for 40,000
        n_pref = max(1, n_counties // 8)
        n_prov = min(31, max(1, n_pref // 10))
        used: set[str] = set()

        def name(k: int, suffix: str) -> str:
            while True:
                n = "".join(rng.choice(_SYL) for _ in range(k)) + suffix
                if n not in used:
                    used.add(n)
                    return n

        self.provinces = [name(2, "省") for _ in range(n_prov)]
        self.prefectures = [(name(2, "市"), rng.randrange(n_prov)) for _ in range(n_pref)]
        self.counties = [(name(2, rng.choices([k for k, _ in _COUNTY_KINDS],
                                             [w for _, w in _COUNTY_KINDS])[0]),
                          rng.randrange(n_pref)) for _ in range(n_counties)]
        self.townships: list[tuple[str, str, int]] = []
        seen: set[tuple[str, int]] = set()
        for i in range(townships):
            kind = rng.choices([k for k, _ in _TOWN_KINDS], [w for _, w in _TOWN_KINDS])[0]
            c = i if i < n_counties else rng.randrange(n_counties)   # every county has one
            # names repeat across counties (like 城关镇), never within one: identity is both
            while True:
                t = "".join(rng.choice(_SYL) for _ in range(2)) + kind
                if (t, c) not in seen:
                    seen.add((t, c))
                    break
            self.townships.append((t, kind, c))
        self.laws = self._vocab([f"中华人民共和国{s}" if s.endswith("法") else s for s in _LAW_STEMS],
                                lambda: name(3, rng.choice(("条例", "办法", "规定", "实施意见"))), 3000)
        self.systems = self._vocab([s + rng.choice(_SYSTEM_SUFFIX) for s in _SYSTEM_STEMS],
                                   lambda: name(3, rng.choice(_SYSTEM_SUFFIX)), 5000)
        self.activities = self._vocab([s + rng.choice(_ACT_SUFFIX) for s in _ACT_STEMS],
                                      lambda: name(3, rng.choice(_ACT_SUFFIX)), 20000)
        self.firms = [name(2, "律师事务所") for _ in range(max(1, n_counties * 2))]

    def _vocab(self, head: list[str], make, size: int) -> tuple[list[str], list[float]]:
        items = list(dict.fromkeys(head))
        while len(items) < size:
            items.append(make())
        cum, total = [], 0.0
        for r in range(1, len(items) + 1):
            total += 1.0 / r ** 0.9
            cum.append(total)
        return items, cum


def build_doc(world: World, t_index: int, year: int, rep_no: int) -> Doc:
    """One report of one township as the pipeline would leave it after resolve."""
    rng = random.Random(f"{world.seed}/{t_index}/{year}")   # str seeds are stable across runs
    town, kind, c_index = world.townships[t_index]
    county, p_index = world.counties[c_index]
    pref, prov_index = world.prefectures[p_index]
    prov = world.provinces[prov_index]
    stem = f"synth_{rep_no:06d}"
    doc = Doc(path=Path(stem + ".txt"), fmt="txt")
    meta = ReportMeta(unit=town, kind=kind, county=county, prefecture=pref, province=prov,
                      year=year, issuer=f"{county}{town}人民政府",
                      title=f"{town}{year}年法治政府建设工作情况报告")
    rep = Report(index=0, start=0, end=0, title=meta.title, meta=meta)
    rep.key = mint("report", stem, "0")
    rep.township_key = mint("township", county, town)

    ents: list[Entity] = []

    def ent(key: str, type_: str, label: str, subtype: str | None = None,
            scope: str | None = None) -> Entity:
        e = Entity(key=key, type=type_, label=label, subtype=subtype, scope=scope)
        ents.append(e)
        return e

    local = rng.sample(_LOCAL_ORGS, min(len(_LOCAL_ORGS), max(4, int(rng.gauss(14, 4)))))
    orgs = [ent(mint("org", county, town, o), ORGANIZATION, o, scope=rep.township_key) for o in local]
    orgs += [ent(mint("org", county, o), ORGANIZATION, o)
             for o in rng.sample(_COUNTY_ORGS, rng.randint(2, 5))]
    orgs += [ent(mint("org", o), ORGANIZATION, o) for o in rng.sample(_SHARED_ORGS, rng.randint(0, 2))]
    firm = world.firms[(c_index * 2 + rng.randrange(2)) % len(world.firms)]
    firm_e = ent(mint("org", firm), ORGANIZATION, firm, subtype="律师事务所")
    for vocab, type_, mean, sd, kind_ in ((world.systems, SYSTEM, 25, 8, "system"),
                                          (world.laws, LAW, 8, 4, "law"),
                                          (world.activities, ACTIVITY, 22, 8, "activity")):
        for label in _zipf_pick(rng, vocab[0], max(1, int(rng.gauss(mean, sd))), vocab[1]):
            ent(mint(kind_, label), type_, label)
    # the county's own documents, cited by its townships
    for k in range(rng.randint(0, 2)):
        label = f"{county}法治政府建设实施方案第{(c_index + k) % 5 + 1}号"
        ent(mint("law", label), LAW, label, subtype="本地文件")
    persons = [ent(mint("person", county, town, n), PERSON, n)
               for n in {"".join(rng.choice(_SYL) for _ in range(3)) for _ in range(rng.randint(1, 2))}]
    for p in persons:
        p.scope = rep.township_key
    ents.append(Entity(key=mint("county", county), type=DIVISION, label=county, subtype="county"))

    # sentences: every entity mentioned 1–3 times, two or three mentions per sentence
    slots = [e for e in ents for _ in range(rng.choice((1, 1, 2, 3)))]
    rng.shuffle(slots)
    parts: list[str] = []
    pos = 0
    first_sentence: dict[str, int] = {}
    i = 0
    while i < len(slots):
        size = rng.choice((2, 3))
        group, i = slots[i:i + size], i + size
        s_index, s_start = len(rep.sentences), pos
        text = ""
        for e in group:
            lead = rng.choice(("开展", "落实", "健全", "依托", "组织"))
            start = pos + len(text) + len(lead)
            text += lead + e.label + "，"
            m = Mention(type=e.type, text=e.label, label=e.label, start=start,
                        end=start + len(e.label), sentence=s_index, subtype=e.subtype,
                        source="synth", entity=e.key)
            e.mentions.append(m)
            rep.mentions.append(m)
            first_sentence.setdefault(e.key, s_index)
        text = text[:-1] + "。"
        rep.sentences.append(Sentence(index=s_index, start=s_start, end=s_start + len(text),
                                      text=text))
        parts.append(text)
        pos += len(text)
    n_s = len(rep.sentences)
    quarter = max(1, n_s // 4)
    for k, (code, title) in enumerate((("measures", "主要举措和成效"),
                                       ("first_responsibility", "履行第一责任人职责情况"),
                                       ("shortcomings", "存在的不足和原因"),
                                       ("next_year", "下一年度工作安排"))):
        s0 = rep.sentences[min(k * quarter, n_s - 1)]
        rep.sections.append(Section(index=k, level=1, number="一二三四"[k], title=title,
                                    start=s0.start, end=s0.end, covers=code))
    for s in rep.sentences:
        s.section = min(s.index // quarter, 3)
    doc.text = "".join(parts)
    rep.end = len(doc.text)
    rep.entities = {e.key: e for e in ents}

    # relations (township → entity), legal adviser, posts
    verbs = {ORGANIZATION: "establishes", SYSTEM: "implements", ACTIVITY: "conducts"}
    for e in ents:
        first = first_sentence.get(e.key, 0)
        if e.type == LAW:
            for pred in rng.sample(("studies", "cites"), rng.choice((1, 1, 2))):
                rep.relations.append(Relation(pred, None, e.mentions[0], first))
        elif e.type in verbs and (e.type != ORGANIZATION or e.scope) and e is not firm_e:
            attrs = {"count": rng.randint(1, 30)} if e.type == ACTIVITY and rng.random() < .3 else {}
            rel = Relation(verbs[e.type], None, e.mentions[0], first, attrs)
            rep.relations.append(rel)
            if rng.random() < 0.25:    # stated twice: two evidence sentences
                rep.relations.append(Relation(verbs[e.type], None, e.mentions[-1],
                                              e.mentions[-1].sentence, dict(attrs)))
    rep.relations.append(Relation("legalAdvisor", None, firm_e.mentions[0], first_sentence[firm_e.key],
                                  {"advisor_kind": "律师事务所"}))
    for p in persons:
        post = rng.choice(_POSTS)
        p.attrs["post"] = post
        rep.relations.append(Relation("holdsPost", p.mentions[0], post, first_sentence[p.key],
                                      {"org": orgs[0].key}))
    for k in range(max(0, int(rng.gauss(15, 6)))):
        metric, unit = rng.choice(_METRICS)
        s = rep.sentences[rng.randrange(n_s)]
        rep.indicators.append(Indicator(metric=metric, value=rng.randint(1, 5000), unit=unit,
                                        start=s.start, end=s.end, sentence=s.index,
                                        text=f"{metric}{k + 1}{unit}"))
    doc.reports = [rep]
    return doc


def docs(world: World, years: list[int]) -> Iterator[Doc]:
    """Every report: each township once per year."""
    n = 0
    for year in years:
        for t in range(len(world.townships)):
            yield build_doc(world, t, year, n)
            n += 1


# --------------------------------------------------------------- N-Quads text
_FZ = "https://w3id.org/fazhi-kg/ontology#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_A = f"<{_RDF}type>"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
_DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
_MEMBER = "<http://www.w3.org/ns/org#memberOf>"
_TITLE = "<http://purl.org/dc/terms/title>"
_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _f(term: str) -> str:
    return f"<{_FZ}{term}>"


def _zh(text: str) -> str:
    return f'"{text.translate(_ESC)}"@zh'


def _lit(text: str) -> str:
    return f'"{text.translate(_ESC)}"'


def _int(v) -> str:
    return f'"{int(v)}"^^<{_XSD}integer>'


def _num(v) -> str:
    return _int(v) if float(v).is_integer() else f'"{float(v)!r}"^^<{_XSD}decimal>'


_CLASS = {TOWNSHIP: "Township", ORGANIZATION: "Organization", SYSTEM: "System", LAW: "Law",
          ACTIVITY: "Activity", PERSON: "Person"}
_DIV = {"county": "County", "prefecture": "Prefecture", "province": "Province"}


def fast_nquads(doc: Doc) -> str:
    """kg.triples.report_quads as string templates, for the reports :func:`build_doc` makes.

    Only the branches synthetic reports take are copied (no issued date,
    addressee, aliases, dates); a test compares it with :func:`exact_nquads`.
    """
    out: list[str] = []
    for rep in doc.reports:
        g = f"<{graph_iri(doc.path.stem, rep.index)}> .\n"
        lines: list[str] = []
        add = lines.append
        r, meta = f"<{rep.key}>", rep.meta
        add(f"{r} {_A} {_f('Report')} {g}")
        add(f"{r} {_f('sourceFile')} {_lit(doc.name)} {g}")
        add(f"{r} {_f('partIndex')} {_int(rep.index)} {g}")
        if meta.title:
            add(f"{r} {_TITLE} {_zh(meta.title)} {g}")
        add(f'{r} {_f("year")} "{meta.year}"^^<{_XSD}gYear> {g}')
        if meta.issuer:
            add(f"{r} {_f('issuer')} {_zh(meta.issuer)} {g}")
        t = f"<{rep.township_key}>"
        add(f"{r} {_f('reportingUnit')} {t} {g}")
        add(f"{r} {_f('township')} {t} {g}")
        add(f"{t} {_A} {_f('Township')} {g}")
        add(f"{t} {_LABEL} {_zh(meta.unit)} {g}")
        add(f"{t} {_f('kind')} {_zh(meta.kind)} {g}")
        add(f"{r} {_f('mentions')} {t} {g}")
        below = t
        for name, level in ((meta.county, "county"), (meta.prefecture, "prefecture"),
                            (meta.province, "province")):
            node = f"<{mint(level, name)}>"
            add(f"{node} {_A} {_f(_DIV[level])} {g}")
            add(f"{node} {_LABEL} {_zh(name)} {g}")
            add(f"{below} {_f('partOf')} {node} {g}")
            add(f"{r} {_f('mentions')} {node} {g}")
            below = node
        add(f"{t} {_ALT} {_zh(meta.county + meta.unit)} {g}")
        sec = [f"<{rep.key}/section/{s.index}>" for s in rep.sections]
        for s in rep.sections:
            n = sec[s.index]
            add(f"{n} {_LABEL} {_zh(s.title)} {g}")
            add(f"{n} {_f('number')} {_lit(s.number)} {g}")
            add(f"{n} {_f('level')} {_int(s.level)} {g}")
            add(f"{n} {_f('start')} {_int(s.start)} {g}")
            add(f"{n} {_f('end')} {_int(s.end)} {g}")
            add(f"{n} {_f('covers')} {_lit(s.covers)} {g}")
        sent = [f"<{rep.key}/sentence/{s.index}>" for s in rep.sentences]
        for s in rep.sentences:
            n = sent[s.index]
            add(f"{n} {_f('text')} {_zh(s.text)} {g}")
            add(f"{n} {_f('start')} {_int(s.start)} {g}")
        for e in rep.entities.values():
            n = f"<{e.key}>"
            cls = _DIV[e.subtype] if e.type == DIVISION else _CLASS[e.type]
            add(f"{n} {_A} {_f(cls)} {g}")
            if e.subtype == "律师事务所":
                add(f"{n} {_A} {_f('LawFirm')} {g}")
            add(f"{n} {_LABEL} {_zh(e.label)} {g}")
            if e.subtype:
                add(f"{n} {_f('subtype')} {_zh(e.subtype)} {g}")
            if e.scope:
                add(f"{n} {_f('scope')} <{e.scope}> {g}")
            if e.attrs.get("post"):
                add(f"{n} {_f('holdsPost')} {_zh(e.attrs['post'])} {g}")
            add(f"{r} {_f('mentions')} {n} {g}")
        for m in rep.mentions:
            add(f"{sent[m.sentence]} {_f('names')} <{m.entity}> {g}")
        for rel in rep.relations:
            subj = rep.township_key if rel.subject is None else rel.subject.entity
            pred = _FZ + rel.predicate
            if isinstance(rel.obj, Mention):
                obj = f"<{rel.obj.entity}>"
            else:
                obj = _zh(str(rel.obj))
            s = f"<{subj}>"
            add(f"{s} <{pred}> {obj} {g}")
            about = obj if obj.startswith("<") else s
            add(f"{sent[rel.sentence]} {_f('attests')} {about} {g}")
            a = rel.attrs
            if a.get("advisor_kind"):
                add(f"{about} {_f('advisorKind')} {_zh(a['advisor_kind'])} {g}")
            if a.get("count") is not None:
                add(f"{about} {_f('count')} {_num(a['count'])} {g}")
            if a.get("org"):
                add(f"{s} {_MEMBER} <{a['org']}> {g}")
        for i, ind in enumerate(rep.indicators):
            n = f"<{rep.key}/indicator/{i}>"
            add(f"{n} {_A} {_f('Indicator')} {g}")
            add(f"{n} {_f('report')} {r} {g}")
            add(f"{n} {_LABEL} {_zh(ind.metric)} {g}")
            add(f"{n} <{_RDF}value> {_num(ind.value)} {g}")
            add(f"{n} {_f('unit')} {_zh(ind.unit)} {g}")
            add(f"{n} {_f('quote')} {_zh(ind.text)} {g}")
            add(f"{n} {_f('scope')} {t} {g}")
            add(f"{n} {_DERIVED} {sent[ind.sentence]} {g}")
        out.append("".join(dict.fromkeys(lines)))
    return "".join(out)


def exact_nquads(doc: Doc) -> str:
    """The same report through kg.triples itself (slow; for tests)."""
    import pyoxigraph as ox
    from kg.triples import report_quads
    quads = list(dict.fromkeys(q for rep in doc.reports for q in report_quads(doc, rep)))
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode()


class _Reader(io.RawIOBase):
    """A file-like object producing N-Quads on demand (bulk_load reads it)."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        # an offset into the chunk, never a slice of it: slicing copies the rest each time
        while self._pos >= len(self._buf):
            try:
                self._buf, self._pos = memoryview(next(self._chunks).encode("utf-8")), 0
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n


def nquads_chunks(world: World, years: list[int], batch: int = 20) -> Iterator[str]:
    buf: list[str] = []
    for k, doc in enumerate(docs(world, years), 1):
        buf.append(fast_nquads(doc))
        if k % batch == 0:
            yield "".join(buf)
            buf.clear()
    if buf:
        yield "".join(buf)


def load_store(store, world: World, years: list[int]) -> None:
    """Bulk-load the synthetic graph (and the ontology) into a pyoxigraph Store."""
    import pyoxigraph as ox
    from kg.namespace import ONTOLOGY_GRAPH
    from kg.paths import package_dir
    store.bulk_load(io.BufferedReader(_Reader(nquads_chunks(world, years)), 1 << 20),
                    format=ox.RdfFormat.N_QUADS)
    store.bulk_load(input=(package_dir() / "ontology.ttl").read_bytes(),
                    format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))


def index_store(store, folder: Path) -> None:
    """The name and prepared indexes beside the store, as `fazhi-kg index`
    builds them: the pages read them (without, they answer from SPARQL)."""
    from kg import names, prepared
    name_index = names.NameIndex(folder / names.FILE)
    try:
        names.build(store, name_index)
    finally:
        name_index.close()
    ready = prepared.Prepared(folder / prepared.FILE)
    try:
        prepared.build(store, ready)
    finally:
        ready.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--townships", type=int, default=40000)
    ap.add_argument("--counties", type=int, default=None, help="default: townships / 14.3")
    ap.add_argument("--years", default="2023", help="comma-separated, one report per township each")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", help="folder to write synth.nq into")
    ap.add_argument("--store", help="a pyoxigraph store folder to bulk-load into instead")
    ap.add_argument("--no-index", action="store_true",
                    help="with --store: do not build the name and prepared indexes the pages "
                         "read (build them later with `fazhi-kg index`)")
    a = ap.parse_args(argv)
    if not (a.out or a.store):
        ap.error("give --out DIR or --store DIR")
    years = [int(y) for y in a.years.split(",")]
    t0 = time.time()
    world = World(a.townships, a.seed, a.counties)
    if a.store:
        import pyoxigraph as ox
        store = ox.Store(a.store)
        load_store(store, world, years)
        if not a.no_index:
            index_store(store, Path(a.store))
        where = a.store
    else:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        where = str(out / "synth.nq")
        with open(where, "w", encoding="utf-8") as f:
            for chunk in nquads_chunks(world, years):
                f.write(chunk)
    print(f"{a.townships} townships × {len(years)} years in {len(world.counties)} counties "
          f"→ {where} in {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
