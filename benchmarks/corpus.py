"""A deterministic synthetic corpus of township 法治政府建设 reports, with the facts it planted.

Usage::

    python benchmarks/corpus.py --reports 40000 --out DIR [--seed 7] [--year 2023]

writes ``DIR/0000/000000_<hex>.txt`` … (at most 1,000 files per folder) and
``DIR/planted.jsonl``: one JSON line per report with what the text states —
the file (relative path), township, its kind (镇/乡/街道), county,
prefecture, province, year, the legal advisers (kind 律师事务所 / 律师 /
团队 / 公职律师 / 未说明, with the firm's or lawyer's name or the team's
size), and, for information, the organisations, systems, laws, activities,
persons and figures planted.  ``benchmarks/check_planted.py`` scores a
graph against it.

The reports follow the genre (title with county, township and year, an
addressee, an opening, the four customary parts — work done, the leading
cadres' duties, problems, next year's plan — numbered 一、（一）1. 一是,
a signature with the unit and a date), but every sentence is a template of
this module and every name is made up: places from syllables (checked
against the division gazetteer so that no made-up county, prefecture or
township contains a real division's name), firms and persons from word
lists.  Only national law names come from the project's gazetteer
(``data/gazetteers/laws.tsv``).  About 10% of files are GB18030, about 10%
have PDF-style broken lines (a line break every 30–40 characters, page
numbers such as ``- 3 -``), some use CRLF or full-width indentation.

Deterministic: the world (provinces … counties) comes from ``--seed``, each
report from its own ``random.Random(f"{seed}:{index}")``; the same seed gives
byte-identical files.  Files are written as they are made (flat memory).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.gazetteer import load_divisions, load_laws  # noqa: E402
SHARD = 1000
FIRST, DUTIES, PROBLEMS, PLAN = "measures", "first_responsibility", "shortcomings", "next_year"

# ---- names --------------------------------------------------------------------
# Syllables for place names: no unit suffix (县区市旗省州盟镇乡街), no word that
# ends a name leftwards (的/在/和/全 …), nothing that makes 城乡/小镇-like words.
_SYL = ("江 河 山 石 桥 平 新 兴 龙 凤 金 银 清 水 东 西 南 北 长 高 永 宁 太 白 青 黄 红 "
        "关 口 沟 湾 坪 坝 塘 岭 岗 林 花 梅 竹 松 柏 云 阳 华 明 德 福 寿 庆 丰 泰 兆 庄 店 "
        "铺 营 寨 堡 溪 湖 滩 洲 塔 峰 源 泉 坡 谷 川 田 茶 桂 荷 兰 玉 碧 丹 翠 枫 柳 鹤 鹿 "
        "雁 鸣 乐 康 顺 昌 盛 隆 吉 祥 瑞 嘉 信 义 仁 礼 文 武 靖 定 远 望 曙 星 桃 杏 楠 桑 "
        "麻 潭 渡 浦 埠 垭 峪 坎 畈 冲 汀 岩 崖 屏 霞 晴 溶 澄 淮 汉 沙 浪 涧 池 滨 岚").split()
_TOWN_KINDS = (("镇", 66), ("乡", 20), ("街道", 14))
_COUNTY_KINDS = (("县", 62), ("区", 26), ("市", 10), ("旗", 2))
_PREF_KINDS = (("市", 88), ("州", 9), ("盟", 3))
_FIRM_WORDS = ("正信 诚明 德衡 恒泰 君安 华章 仁和 通达 博睿 昊天 瀚海 金石 "
               "明理 公信 中伦 天平 致远 睿智 合众 泰和 汇智 众成 嘉禾 "
               "方圆 卓越 凯旋 同心 尚德 明德 厚德 鸿业 广信 安泰 "
               "天衡 昭明 明镜 北辰 南华").split()
#: real-looking firm names the extractor is known to miss (a verb, adverb or
#: numeral word before 律师事务所): a small share, so the scores show it
_FIRM_WORDS_HARD = "大成 东方 至诚 三和 启明 信达 远航 鼎立 立本 和信 海纳 志和 坤元 衡平 守正 法正 弘正".split()
_SURNAMES = ("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 郑 梁 谢 宋 唐 韩 冯 "
             "邓 曹 彭 曾 田 董 袁 潘 蒋 蔡 杜 叶 程 苏 魏 吕 丁 沈 姚 卢 姜 崔 钟").split()
_GIVEN = ("伟 芳 敏 静 丽 强 磊 洋 艳 勇 军 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 玲 红 斌 辉 "
          "鹏 飞 俊 峰 波 宇 浩 凯 健 琳 雪 梅 兰 莉 洁 勤 晨 阳 欣 怡 轩 博 睿 婷 倩 颖 "
          "鑫 毅 昊 晖 林 松 柏 燕 萍 蓉 珍 莹 翔 彬 航 坤").split()
_ETHNIC = ("彝族", "苗族", "瑶族", "土家族", "回族", "侗族")
_CN_DIGITS = "〇一二三四五六七八九"


def _load_division_words() -> set[str]:
    """Every name and short name of a real division (made-up names must avoid them)."""
    words: set[str] = set()
    for d in load_divisions():
        for w in (d.name, d.short):
            if len(w) >= 2:
                words.add(w)
        if d.short and d.name.endswith(("自治县", "自治旗")):
            words.add(d.short + d.name[-1])
    return words


def _load_laws() -> list[tuple[str, str, str]]:
    """(short name, full name, subtype) of the national laws in the gazetteer."""
    return [(e.name, e.full_name, e.subtype) for e in load_laws()]


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


class World:
    """Provinces, prefectures and counties for ``n`` townships, from one seed."""

    def __init__(self, n: int, seed: int) -> None:
        rng = random.Random(f"world:{seed}")
        self.avoid = _load_division_words()
        self.used: set[str] = set()
        n_counties = max(1, round(n / 14.3))
        n_pref = max(1, round(n_counties / 8.5))
        n_prov = min(31, max(1, round(n_pref / 10)))
        self.provinces = [self._name(rng, 2, "自治区" if rng.random() < 0.12 else "省")
                          for _ in range(n_prov)]
        self.prefectures = []
        for _ in range(n_pref):
            kind = _weighted(rng, _PREF_KINDS)
            self.prefectures.append((self._name(rng, 2, kind), rng.randrange(n_prov)))
        self.counties = []
        for _ in range(n_counties):
            p = rng.randrange(n_pref)
            kind = "旗" if self.prefectures[p][0].endswith("盟") else _weighted(rng, _COUNTY_KINDS[:3])
            self.counties.append((self._name(rng, 3 if rng.random() < 0.06 else 2, kind), p))
        self.township_names: set[tuple[str, int]] = set()
        self.laws = _load_laws()
        self.law_core = [x for x in self.laws if x[0] in _CORE_LAWS]
        self.law_rest = [x for x in self.laws if x[2] in ("法律", "行政法规", "党内法规")
                         and x[0] not in _CORE_LAWS and len(x[0]) <= 14]

    def ok(self, name: str) -> bool:
        """No substring of two or more characters is a real division's name."""
        if name in self.used:
            return False
        for i in range(len(name) - 1):
            for j in range(i + 2, len(name) + 1):
                if name[i:j] in self.avoid:
                    return False
        return True

    def _name(self, rng: random.Random, k: int, suffix: str) -> str:
        while True:
            n = "".join(rng.choice(_SYL) for _ in range(k)) + suffix
            if self.ok(n):
                self.used.add(n)
                return n

    def township(self, rng: random.Random, county: int) -> tuple[str, str]:
        ckind = self.counties[county][0][-1]
        kinds = _TOWN_KINDS if ckind != "县" else (("镇", 70), ("乡", 28), ("街道", 2))
        kind = _weighted(rng, kinds)
        while True:
            k = 3 if rng.random() < 0.15 else 2
            stem = "".join(rng.choice(_SYL) for _ in range(k))
            if kind == "乡" and rng.random() < 0.04:
                stem = stem[:2] + rng.choice(_ETHNIC)
            name = stem + kind
            if (name, county) in self.township_names:
                continue
            if all(stem[i:j] not in self.avoid for i in range(len(stem) - 1)
                   for j in range(i + 2, len(stem) + 1)):
                self.township_names.add((name, county))
                return name, kind


_CORE_LAWS = ("宪法", "民法典", "行政处罚法", "行政许可法", "行政强制法", "行政复议法", "行政诉讼法",
              "人民调解法", "信访工作条例", "政府信息公开条例", "安全生产法", "土地管理法",
              "重大行政决策程序暂行条例", "优化营商环境条例", "未成年人保护法", "反有组织犯罪法",
              "反电信网络诈骗法", "国家安全法", "消防法", "食品安全法", "环境保护法", "道路交通安全法",
              "治安管理处罚法", "村民委员会组织法", "农村土地承包法", "保障农民工工资支付条例")


def _cn_year(y: int) -> str:
    return "".join(_CN_DIGITS[int(c)] for c in str(y))


def _cn_small(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _CN_DIGITS[n]
    if n < 20:
        return "十" + _CN_DIGITS[n - 10]
    return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


# ---- one report -----------------------------------------------------------------

class Report:
    """Builds one report's text and records what it plants."""

    def __init__(self, world: World, rng: random.Random, index: int, year: int) -> None:
        self.w, self.rng, self.year = world, rng, year
        c = index if index < len(world.counties) else rng.randrange(len(world.counties))
        self.county, p = world.counties[c]
        self.prefecture, pv = world.prefectures[p]
        self.province = world.provinces[pv]
        self.town, self.kind = world.township(rng, c)
        self.ck = self.county[-1]                       # 县/区/市/旗
        self.tk = "街道" if self.kind == "街道" else self.kind
        self.we = rng.choice(("我" + self.tk, "我" + self.tk, "本" + self.tk, self.town))
        self.all = "全" + self.tk
        self.gov = self.town + ("办事处" if self.kind == "街道" else "人民政府")
        self.party = self.town + ("党工委" if self.kind == "街道" else "党委")
        self.secretary = ("党工委书记" if self.kind == "街道" else "党委书记")
        self.head = {"镇": "镇长", "乡": "乡长", "街道": "办事处主任"}[self.kind]
        self.orgs: dict[str, None] = {}
        self.systems: dict[str, None] = {}
        self.laws: dict[str, None] = {}
        self.activities: dict[str, None] = {}
        self.persons: list[dict] = []
        self.figures: list[dict] = []
        self.advisers: list[dict] = []
        words = _FIRM_WORDS_HARD if rng.random() < 0.04 else _FIRM_WORDS
        self.firm = rng.choice((self.county[:-1], "")) + rng.choice(words) + "律师事务所"
        self.cadre = _person(rng)
        self.chief = _person(rng)

    # -- helpers that plant -----------------------------------------------------
    def org(self, name: str) -> str:
        self.orgs[name] = None
        return name

    def sys(self, name: str) -> str:
        self.systems[name] = None
        return name

    def law(self, short: str | None = None, full: str | None = None, bare: bool = False) -> str:
        if short is None:
            pool = self.w.law_core if self.rng.random() < 0.7 else self.w.law_rest
            short, full, _ = self.rng.choice(pool)
        self.laws[short] = None
        if bare:
            return short
        name = full if (full and self.rng.random() < 0.25) else short
        return f"《{name}》"

    def act(self, name: str) -> str:
        self.activities[name] = None
        return name

    def fig(self, metric: str, value: float, unit: str, text: str) -> str:
        self.figures.append({"metric": metric, "value": value, "unit": unit, "text": text})
        return text

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pick(self, *options):
        return self.rng.choice(options)

    # -- paragraphs of part one (work done) ---------------------------------------
    def p_leadership(self) -> str:
        r = self
        group = r.org(r.pick(f"{r.town}法治政府建设工作领导小组", f"{r.town}全面依法治{r.tk}领导小组",
                             f"{r.town}推进依法行政工作领导小组"))
        r.persons.append({"name": r.cadre, "post": r.secretary})
        r.persons.append({"name": r.chief, "post": r.head})
        meet = r.n(2, 8)
        s = (f"{r.we}始终把法治政府建设摆在全局工作的重要位置，成立以{r.secretary}{r.cadre}为组长、"
             f"{r.head}{r.chief}为副组长、各站所负责人为成员的{group}，领导小组办公室设在{r.org(r.town + '司法所')}，"
             f"负责日常协调和督促检查。")
        s += r.pick(
            f"全年召开党委会、专题会研究法治工作{r.fig('研究法治工作', meet, '次', f'{meet}次')}，",
            f"年内先后{r.fig('召开法治建设专题会议', meet, '次', f'召开法治建设专题会议{meet}次')}，")
        s += (f"及时研究解决法治建设中的重大问题，将法治建设纳入{r.sys(r.pick('年度目标责任考核', '干部年度考核'))}"
              f"内容，形成了主要领导亲自抓、分管领导具体抓、各站所协同抓的工作格局。")
        return s

    def p_study(self) -> str:
        r = self
        law1, law2 = r.law(), r.law()
        k = r.n(6, 24)
        s = (f"坚持把学习贯彻习近平法治思想作为首要政治任务，严格落实{r.sys(r.pick('党委理论学习中心组学法制度', '会前学法制度', '领导干部集体学法制度'))}，"
             f"全年{r.fig('集体学法', k, '次', f'组织集体学法{k}次')}，重点学习了{law1}{law2}"
             f"{r.pick('等法律法规', '以及与基层治理密切相关的法律法规', '')}。")
        if r.rng.random() < 0.6:
            t = r.n(2, 9)
            people = t * r.n(15, 40)
            s += (f"邀请{r.org(r.county + '司法局')}业务骨干开展{r.act('法治专题讲座')}"
                  f"{r.fig('法治专题讲座', t, '场', f'{t}场')}，"
                  f"组织干部{r.fig('参加网上学法考试', people, '人次', f'{people}人次')}参加网上学法考试，"
                  f"参考率、合格率均达100%。")
        if r.rng.random() < 0.4:
            s += (f"同时落实{r.sys('领导干部述法制度')}，{r.pick('班子成员', '站所负责人')}在年终述职中一并述法，"
                  f"接受干部群众评议。")
        return s

    def p_decision(self) -> str:
        r = self
        k = r.n(3, 30)
        s = (f"严格落实{r.law('重大行政决策程序暂行条例')}，健全{r.sys('重大行政决策合法性审查机制')}，"
             f"把公众参与、专家论证、风险评估、合法性审查、集体讨论决定作为重大决策的必经程序。"
             f"全年{r.fig('审查重大行政决策事项', k, '件', f'审查重大行政决策事项{k}件')}，"
             f"未经合法性审查的一律不提交{r.pick('党委会', '班子会议', '主任办公会')}讨论。")
        if r.rng.random() < 0.5:
            s += (f"坚持“{r.sys('三重一大')}”事项集体决策，严格执行{r.sys('规范性文件备案审查制度')}，"
                  f"做到有件必备、有备必审、有错必纠。")
        return s

    def p_advisers(self) -> str:
        """The legal adviser paragraph: plants exactly what it states."""
        r = self
        kind = _weighted(r.rng, (("律师事务所", 34), ("律师事务所+律师", 10), ("律师", 12), ("团队", 16),
                                 ("公职律师", 10), ("未说明", 18)))
        contracts, opinions = r.n(8, 80), r.n(2, 20)
        tail = (f"全年{r.fig('审查合同', contracts, '份', f'审查各类合同{contracts}份')}，"
                f"出具法律意见书{opinions}份，为{r.we}依法决策提供了有力保障。")
        r.figures.append({"metric": "出具法律意见书", "value": opinions, "unit": "份",
                          "text": f"出具法律意见书{opinions}份"})
        if kind == "律师事务所":
            r.org(r.firm)
            r.advisers.append({"kind": "律师事务所", "name": r.firm})
            lead = _weighted(r.rng, (
                (f"聘请{r.firm}律师担任{r.pick('政府', r.town, '')}法律顾问，", 40),
                (f"{r.we}常年聘请{r.firm}作为政府法律顾问单位，", 30),
                (f"聘请{r.firm}为{r.gov}法律顾问，", 24),
                # known misses: the firm before its verb; 续聘 read as part of the name
                (f"与{r.firm}签订法律顾问服务合同，", 3),
                (f"续聘{r.firm}为{r.gov}法律顾问，", 3)))
        elif kind == "律师事务所+律师":
            lawyer = _person(r.rng)
            r.org(r.firm)
            r.persons.append({"name": lawyer, "post": "律师"})
            r.advisers += [{"kind": "律师事务所", "name": r.firm}, {"kind": "律师", "name": lawyer}]
            lead = f"聘请{r.firm}律师{lawyer}为{r.pick(r.town, '政府', '我' + r.tk)}法律顾问，"
        elif kind == "律师":
            lawyer = _person(r.rng)
            r.persons.append({"name": lawyer, "post": "律师"})
            r.advisers.append({"kind": "律师", "name": lawyer})
            lead = r.pick(f"聘请律师{lawyer}为{r.town}常年法律顾问，",
                          f"{r.we}聘请执业律师{lawyer}担任法律顾问，")
        elif kind == "团队":
            size = r.n(2, 7)
            num = str(size) if r.rng.random() < 0.6 else _cn_small(size)
            r.advisers.append({"kind": "团队", "size": size})
            lead = r.pick(f"组建由{num}名律师组成的法律顾问团，",
                          f"聘请{num}名专业律师组成法律顾问团队，",
                          f"{r.we}法律顾问团由{num}名律师组成，")
        elif kind == "公职律师":
            r.advisers.append({"kind": "公职律师"})
            lead = _weighted(r.rng, (
                (f"配备公职律师担任{r.we}法律顾问，", 45),
                (f"选聘公职律师{r.n(1, 3)}名担任法律顾问，", 45),
                # known miss: no engaging verb (由…担任)
                (f"由{r.town}司法所公职律师担任政府法律顾问，", 10)))
        else:
            r.advisers.append({"kind": "未说明"})
            lead = r.pick(f"{r.we}每年聘请法律顾问，",
                          "聘请法律顾问参与重大决策、合同审查和信访化解等工作，",
                          "按规定聘请政府法律顾问，")
        s = (f"深入推进{r.sys('政府法律顾问制度')}，" + lead +
             r.pick("参与重大行政决策论证、重大合同审查和涉法涉诉信访处置，", "全程参与重大事项的合法性审查，")
             + tail)
        if r.rng.random() < 0.5:   # a village adviser is not the township's
            v = r.n(5, 30)
            s += (f"同时推进“{r.sys('一村一法律顾问')}”全覆盖，{v}个村（社区）法律顾问"
                  f"全年开展法治讲座{r.n(10, 60)}场次。")
        return s

    def p_enforcement(self) -> str:
        r = self
        team = r.org(r.pick(f"{r.town}综合行政执法队", f"{r.town}综合行政执法办公室"))
        cert = r.n(6, 40)
        s = (f"全面推行{r.sys('行政执法公示制度')}、{r.sys('执法全过程记录制度')}、{r.sys('重大执法决定法制审核制度')}"
             f"“三项制度”，{team}{r.fig('持证执法人员', cert, '人', f'现有持证执法人员{cert}人')}，"
             f"严格落实{r.sys('行政执法责任制')}。")
        cases, fine = r.n(5, 120), r.n(5, 600) / 10
        fine_txt = f"{fine:g}万元"
        s += (f"全年{r.fig('办理行政处罚案件', cases, '件', f'办理行政处罚案件{cases}件')}，"
              f"{r.fig('罚款', round(fine * 10000), '元', f'罚款{fine_txt}')}，"
              f"无一起行政复议被撤销或行政诉讼败诉案件。")
        if r.rng.random() < 0.5:
            s += (f"依据{r.law()}和{r.law()}，联合{r.org(r.town + '派出所')}、{r.org(r.town + '市场监管所')}"
                  f"开展{r.act(r.pick('安全生产专项整治', '食品安全专项检查', '违法建设专项整治'))}行动，"
                  f"{r.fig('排查整改隐患', (h := r.n(20, 300)), '处', f'排查整改各类隐患{h}处')}。")
        return s

    def p_disputes(self) -> str:
        r = self
        total = r.n(30, 400)
        ok = max(1, total - r.n(0, 6))
        rate = round(ok * 100 / total, 1)
        center = r.org(r.pick(f"{r.town}综治中心", f"{r.town}矛盾纠纷调处化解中心", f"{r.town}社会治理综合服务中心"))
        s = (f"坚持和发展新时代“{r.sys('枫桥经验')}”，依托{center}和{r.org(r.town + '人民调解委员会')}，"
             f"健全{r.sys('矛盾纠纷多元化解机制')}，落实{r.sys(r.pick('矛盾纠纷月排查制度', '矛盾纠纷定期排查制度', '网格化排查机制'))}。"
             f"全年{r.fig('调处矛盾纠纷', total, '件', f'排查调处矛盾纠纷{total}件')}，"
             f"{r.fig('调解成功', ok, '件', f'调解成功{ok}件')}，{r.fig('调解成功率', rate, '%', f'调解成功率{rate:g}%')}，"
             f"未发生因矛盾纠纷激化引发的{r.pick('刑事案件', '群体性事件', '民转刑案件')}。")
        if r.rng.random() < 0.5:
            v = r.n(20, 300)
            s += (f"严格落实{r.law('信访工作条例')}，畅通信访渠道，{r.fig('接待群众来访', v, '人次', f'接待群众来访{v}人次')}，"
                  f"按期办结率100%。")
        return s

    def p_publicity(self) -> str:
        r = self
        k, m = r.n(5, 40), r.n(800, 12000)
        s = (f"深入实施“{r.sys('谁执法谁普法')}”普法责任制，以{r.act('宪法宣传周')}、{r.act(r.pick('民法典宣传月', '“美好生活·民法典相伴”主题宣传月'))}、"
             f"{r.act(r.pick('安全生产月', '全民国家安全教育日', '国际禁毒日'))}为契机，开展{r.act(r.pick('法律进乡村', '送法下乡', '法律进社区'))}活动，"
             f"全年{r.fig('开展普法宣传活动', k, '场次', f'开展普法宣传活动{k}场次')}，"
             f"{r.fig('发放宣传资料', m, '份', f'发放宣传资料{m}余份')}。")
        r.figures[-1]["approx"] = "more"
        if r.rng.random() < 0.6:
            t = r.n(3, 20)
            s += (f"围绕{r.law(bare=True)}、{r.law(bare=True)}等与群众生产生活密切相关的法律，"
                  f"{r.pick('在各村（社区）', '深入学校、企业和村组')}开展{r.act('以案释法')}和{r.act('普法讲座')}"
                  f"{r.fig('普法讲座', t, '场次', f'{t}场次')}，"
                  f"群众法治意识明显增强。")
        if r.rng.random() < 0.4:
            s += (f"培育“{r.act('法律明白人')}”{r.n(20, 150)}名，创建{r.act('民主法治示范村')}"
                  f"{r.n(1, 5)}个。")
        return s

    def p_openness(self) -> str:
        r = self
        k = r.n(40, 400)
        s = (f"认真贯彻{r.law('政府信息公开条例')}，落实{r.sys('政务公开制度')}和{r.sys('村务公开制度')}，"
             f"通过政府网站、公开栏和微信公众号{r.fig('主动公开政府信息', k, '条', f'主动公开政府信息{k}条')}，"
             f"自觉接受{r.pick('人大监督', '人大代表和政协委员监督')}、群众监督和舆论监督。")
        if r.rng.random() < 0.5:
            sat = r.n(950, 999) / 10
            s += (f"推进{r.org(r.town + '便民服务中心')}规范化建设，推行{r.sys('首问负责制')}、"
                  f"{r.sys('一次性告知制度')}和{r.sys('限时办结制度')}，群众{r.fig('满意率', sat, '%', f'满意率达{sat:g}%')}。")
        return s

    def p_emergency(self) -> str:
        r = self
        d = r.n(2, 12)
        s = (f"坚持依法应对突发事件，修订完善{r.sys(r.pick('突发事件应急预案', '防汛抗旱应急预案', '森林防火应急预案'))}，"
             f"{r.org(r.town + '应急管理办公室')}牵头{r.fig('开展应急演练', d, '次', f'开展应急演练{d}次')}，"
             f"{r.pick('汛期', '重要节点')}实行{r.sys('24小时值班制度')}和{r.sys('领导带班制度')}，确保信息畅通、处置及时。")
        return s

    def p_business(self) -> str:
        r = self
        k = r.n(3, 40)
        return (f"贯彻{r.law('优化营商环境条例')}，落实{r.sys('权责清单')}和{r.sys('负面清单')}动态调整，"
                f"推行{r.sys('容缺受理机制')}，{r.fig('帮助企业解决问题', k, '个', f'帮助企业解决实际问题{k}个')}，"
                f"持续优化法治化营商环境。")

    def p_grassroots(self) -> str:
        r = self
        v = r.n(5, 30)
        s = (f"坚持自治、法治、德治相结合，指导{r.fig('修订村规民约', v, '个', f'{v}个村（社区）修订完善村规民约')}，"
             f"落实{r.sys('村（居）民议事协商制度')}和{r.sys('“四议两公开”工作法')}，"
             f"{r.org(r.town + '网格化服务管理中心')}统筹{r.n(40, 300)}名网格员开展日常巡查。")
        if r.rng.random() < 0.5:
            s += (f"{r.pick('新创建', '成功创建')}{r.act('省级民主法治示范村')}{r.n(1, 3)}个，"
                  f"开展{r.act('平安村（社区）创建')}活动，群众安全感持续提升。")
        return s

    def p_supervision(self) -> str:
        r = self
        k = r.n(3, 25)
        return (f"自觉接受{r.town}人大主席团的法律监督和工作监督，{r.fig('办理人大代表建议', k, '件', f'办理人大代表建议{k}件')}，"
                f"办结率100%。{r.org(r.town + '纪委')}强化对权力运行的监督，严格执行{r.sys('中央八项规定')}精神，"
                f"落实{r.sys('党风廉政建设责任制')}，开展{r.act(r.pick('廉政警示教育', '作风建设专项整治'))}，"
                f"全年{r.pick('未发生违纪违法案件', '对苗头性问题早提醒早纠正')}。")

    def p_contracts(self) -> str:
        r = self
        k = r.n(10, 90)
        return (f"建立健全{r.sys('合同管理制度')}，各类合同签订前一律经过合法性审查，"
                f"{r.fig('合同合法性审查', k, '份', f'全年审查合同{k}份')}，"
                f"{r.pick('有效防范了合同风险', '从源头上减少了法律纠纷')}；清理{r.law(bare=True)}等法律施行后不相适应的文件"
                f"{r.n(1, 12)}件。")

    def local_docs(self) -> str:
        """Provincial and prefectural documents, named only inside 《》."""
        r = self
        roll = r.rng.random()
        if roll < 0.35:
            name = f"{r.province}法治政府建设实施方案"
        elif roll < 0.6:
            name = f"{r.prefecture}{r.year}年法治政府建设工作要点"
        else:
            return ""
        r.laws[name] = None
        return f"和《{name}》"

    _F_LEAD = ("同时", "此外", "在此基础上", "与此同时", "下一步工作中", "年内", "工作中")
    _F_ACT = ("坚持问题导向和目标导向", "健全工作台账", "定期开展督促检查", "强化部门协作配合",
              "加强业务指导", "完善考核评价办法", "注重总结推广经验做法", "建立问题整改清单",
              "压实站所工作责任", "深化村（社区）联动")
    _F_GOAL = ("推动各项任务落地见效", "确保工作取得实效", "切实提升依法行政水平", "不断提高群众满意度",
               "持续巩固工作成果", "为高质量发展提供坚实法治保障", "推动法治建设与中心工作深度融合")

    def filler(self) -> str:
        r = self
        return (f"{r.pick(*self._F_LEAD)}，{r.pick(*self._F_ACT)}，{r.pick(*self._F_ACT)}，"
                f"{r.pick(*self._F_GOAL)}。")

    # -- the other parts ------------------------------------------------------------
    def p_duties(self) -> str:
        r = self
        k = r.n(2, 8)
        return (f"{r.secretary}{r.cadre}认真履行推进法治建设第一责任人职责，做到重要工作亲自部署、重大问题亲自过问、"
                f"重点环节亲自协调、重要任务亲自督办，全年{r.fig('主持研究法治工作', k, '次', f'主持召开专题会议研究法治工作{k}次')}。"
                f"{r.head}{r.chief}{r.pick('带头学法用法', '带头依法决策')}，在年度述职中专题述法，"
                f"落实{r.sys('党政主要负责人履行推进法治建设第一责任人职责清单')}，并将履职情况纳入年终考核。")

    def p_duties2(self) -> str:
        r = self
        return (f"班子成员严格落实“{r.sys('一岗双责')}”，对分管领域的法治工作负直接领导责任，"
                f"定期听取分管站所依法行政情况汇报，{r.pick('形成一级抓一级、层层抓落实的工作局面', '推动法治建设责任层层压实')}。")

    def p_problems(self) -> list[str]:
        r = self
        pool = [
            "一是法治宣传的形式还不够丰富，针对不同群体的精准普法有待加强，部分群众运用法律维护权益的意识不强。",
            "二是执法队伍力量相对薄弱，部分执法人员专业素质不高，执法规范化水平有待进一步提升。",
            "三是少数干部运用法治思维和法治方式推动工作的能力不足，依法决策的意识还需增强。",
            "四是基层矛盾纠纷化解的专业力量不足，调解人员老龄化，队伍结构有待优化。",
            "五是法治建设经费保障不够充分，公共法律服务资源配置不均衡。",
        ]
        k = r.n(2, 5)
        keep = pool[:k]
        if r.rng.random() < 0.5:
            keep.append("产生上述问题的原因，主要是对法治建设的重视程度层层递减，学习培训的针对性和实效性不强，"
                        "考核督查的约束作用发挥不够充分。")
        return ["".join(keep)]

    def p_plan(self) -> list[str]:
        r = self
        ny = r.year + 1
        out = [
            f"（一）持续加强学习。深入学习贯彻习近平法治思想，严格落实{r.sys('会前学法制度')}，"
            f"重点学习{r.law()}等法律法规，{ny}年计划{r.pick('组织', '开展')}集中学法不少于{r.n(6, 12)}次。",
            f"（二）规范行政执法。全面落实{r.sys('行政执法公示制度')}等执法制度，"
            f"{r.pick('加大执法人员培训力度', '开展执法案卷评查')}，提升执法规范化水平。",
            f"（三）深化法治宣传。认真组织实施“{r.act('八五普法')}”规划，开展{r.act('宪法宣传周')}"
            f"等主题活动，推动{r.pick('法治文化阵地', '法治广场')}建设。",
            f"（四）强化矛盾化解。完善{r.sys('矛盾纠纷多元化解机制')}，"
            f"{r.pick('把矛盾纠纷化解在萌芽状态', '做到小事不出村、大事不出' + r.tk)}。",
        ]
        return out[: r.n(3, 4)]

    # -- assembling -----------------------------------------------------------------
    _WORK = ("p_study", "p_decision", "p_advisers", "p_enforcement", "p_disputes", "p_publicity",
             "p_openness", "p_emergency", "p_business", "p_grassroots", "p_supervision", "p_contracts")
    _WORK_TITLES = {
        "p_leadership": ("加强组织领导，压实法治建设责任", "强化组织保障，健全法治工作格局"),
        "p_study": ("坚持学法用法，提升干部法治素养", "抓好学法用法，增强法治意识"),
        "p_decision": ("规范决策程序，推进依法科学民主决策", "坚持依法决策，提升决策质量"),
        "p_advisers": ("发挥法律顾问作用，防范法律风险", "加强法律顾问工作，提升依法行政水平"),
        "p_enforcement": ("严格规范公正文明执法", "规范行政执法行为，提升执法水平"),
        "p_disputes": ("依法化解矛盾纠纷，维护社会和谐稳定", "完善矛盾纠纷化解机制"),
        "p_publicity": ("扎实开展普法宣传，营造浓厚法治氛围", "深化法治宣传教育"),
        "p_openness": ("推进政务公开，强化权力监督", "深化政务公开，优化政务服务"),
        "p_emergency": ("依法应对突发事件", "提升依法应急处置能力"),
        "p_business": ("优化法治化营商环境", "持续优化营商环境"),
        "p_grassroots": ("推进基层依法治理", "夯实基层法治基础"),
        "p_supervision": ("强化权力制约监督", "自觉接受各方监督"),
        "p_contracts": ("加强合同和规范性文件管理", "规范合同管理"),
    }

    def build(self, target: int) -> str:
        r = self
        y = r.year
        title_year = f"{y}年" if r.rng.random() < 0.85 else f"{_cn_year(y)}年"
        style = r.rng.random()
        county_place = r.rng.random()          # where the county is named
        if style < 0.45:
            title = f"{r.town}{title_year}{r.pick('度', '')}法治政府建设{r.pick('工作', '情况', '')}报告"
        elif style < 0.75:
            title = f"{r.gov}关于{title_year}{r.pick('度', '')}法治政府建设工作情况的报告"
        else:
            title = f"{r.county}{r.town}{title_year}{r.pick('度', '')}法治政府建设{r.pick('年度', '工作', '情况')}报告"
        if county_place < 0.25 or style >= 0.75:
            addressee = r.pick(f"{r.ck}委依法治{r.ck}办：", f"{r.ck}委、{r.ck}政府：", None)
        else:
            addressee = r.pick(f"中共{r.county}委全面依法治{r.ck}委员会办公室：",
                               f"中共{r.county}委、{r.county}人民政府：",
                               f"{r.county}委依法治{r.ck}办：")
        lead_by = (f"在{r.county}委、{r.county}政府的坚强领导下" if county_place < 0.5
                   else f"在{r.ck}委、{r.ck}政府的坚强领导下")
        opening = (f"{y}年，{lead_by}，{r.we}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻"
                   f"习近平法治思想，认真落实{r.law('法治政府建设实施纲要', '法治政府建设实施纲要（2021-2025年）')}"
                   f"{r.local_docs()}各项要求，"
                   f"扎实推进依法行政，法治政府建设取得了新的成效。现将{r.pick('有关情况', '工作情况', '年度工作情况')}报告如下：")
        parts: list[str] = []
        head = r.rng.random()
        if head < 0.15:
            parts.append(r.gov)
        if head > 0.99:        # a document number above the title (known miss: read into the title)
            parts.append(f"{r.town[:2]}{r.pick('府', '政')}发〔{y + 1}〕{r.n(1, 40)}号")
        parts.append(title)
        if addressee:
            parts.append(addressee)
        parts.append(opening)

        # part one: the work done, filled up to the target length
        p1 = r.pick(f"一、{y}年度推进法治政府建设的主要举措和成效", "一、主要工作及成效",
                    "一、法治政府建设工作开展情况", "一、推进法治政府建设的主要举措和成效")
        body = [p1]
        works = ["p_leadership"] + r.rng.sample(self._WORK, len(self._WORK))
        # keep the adviser paragraph in 88% of reports (some real reports have none)
        if r.rng.random() < 0.12:
            works.remove("p_advisers")
        numbering = r.rng.random()
        budget = target - 700       # the other parts, signature and opening
        length = sum(len(x) for x in parts)
        chosen: list[tuple[str, str]] = []
        for k, name in enumerate(works):
            if length > budget and k >= 3 and name != "p_advisers":
                continue
            text = getattr(r, name)()
            chosen.append((name, text))
            length += len(text) + 16
        # still short: more sentences in the paragraphs already there
        while length < budget:
            i = r.rng.randrange(len(chosen))
            more = r.filler()
            chosen[i] = (chosen[i][0], chosen[i][1] + more)
            length += len(more)
        for used, (name, text) in enumerate(chosen):
            heading = r.pick(*self._WORK_TITLES[name])
            if numbering < 0.7:
                body.append(f"（{_cn_small(used + 1)}）{heading}")
                body.append(text)
            elif numbering < 0.85:
                body.append(f"{used + 1}.{heading}。{text}")
            else:
                body.append(f"{_cn_small(used + 1)}是{heading}。{text}")
        if r.rng.random() < 0.4:
            body.append(f"此外，{r.we}积极配合{r.org(r.county + '人民法院')}做好行政诉讼应诉工作，"
                        f"落实{r.sys('行政机关负责人出庭应诉制度')}，行政机关负责人出庭应诉率达100%；"
                        f"配合{r.org(r.county + '人民检察院')}开展公益诉讼线索排查，主动接受司法监督。")
        duties_first = r.rng.random() < 0.5
        duties = [r.pick("二、党政主要负责人履行推进法治建设第一责任人职责情况",
                         "二、党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况"),
                  r.p_duties()]
        if r.rng.random() < 0.6:
            duties.append(r.p_duties2())
        problems = [r.pick("三、存在的不足和原因", "三、存在的问题及原因", "三、存在的不足"),
                    *r.p_problems()]
        plan = [r.pick(f"四、{y + 1}年度推进法治政府建设的主要安排", "四、下一步工作打算",
                       f"四、{y + 1}年工作计划"),
                "下一步，" + r.we + "将继续深入学习贯彻习近平法治思想，着力抓好以下工作：", *r.p_plan()]
        if not duties_first:       # some reports put the duties last
            problems[0] = "二、" + problems[0][2:]
            plan[0] = "三、" + plan[0][2:]
            duties[0] = "四、" + duties[0][2:]
            rest = problems + plan + duties
        else:
            rest = duties + problems + plan
        committee = f"中共{r.town}{'工作委员会' if r.kind == '街道' else '委员会'}"
        sig_unit = r.pick(r.gov, f"{r.county}{r.gov}", f"{committee}　{r.gov}")
        sy, sm, sd = y + 1, r.n(1, 3), r.n(1, 28)
        if r.rng.random() < 0.5:
            date = f"{_cn_year(sy)}年{_cn_small(sm)}月{_cn_small(sd)}日"
        else:
            date = f"{sy}年{sm}月{sd}日"
        lines = parts + body + rest + [sig_unit, date]
        self.issued = f"{sy:04d}-{sm:02d}-{sd:02d}"
        return self._layout(lines)

    def _layout(self, lines: list[str]) -> str:
        r = self
        indent = "　　" if r.rng.random() < 0.3 else ""
        out = []
        for i, ln in enumerate(lines):
            heading = i < 4 or ln[:2] in ("一、", "二、", "三、", "四、") or ln.startswith("（")
            out.append(ln if (heading or not indent) else indent + ln)
        self.broken = r.rng.random() < 0.10
        if self.broken:
            out = self._break_lines(out)
        text = "\n".join(out) + "\n"
        if r.rng.random() < 0.05:
            text = text.replace("\n", "\r\n")
        return text

    def _break_lines(self, lines: list[str]) -> list[str]:
        """PDF-style: paragraphs cut every 30–40 characters, a page number every ~28 lines."""
        r = self
        out: list[str] = []
        page, on_page = 1, 0
        for ln in lines:
            pieces = []
            if len(ln) <= 40:
                pieces = [ln]
            else:
                at = 0
                while at < len(ln):
                    step = r.n(30, 40)
                    pieces.append(ln[at:at + step])
                    at += step
            for p in pieces:
                out.append(p)
                on_page += 1
                if on_page >= 28:
                    out.append("")
                    out.append(r.pick(f"- {page} -", f"— {page} —", f"第{page}页"))
                    out.append("")
                    page, on_page = page + 1, 0
        return out

    def planted(self, file: str, encoding: str, chars: int) -> dict:
        firms = [a["name"] for a in self.advisers if a["kind"] == "律师事务所"]
        return {
            "file": file, "township": self.town, "kind": self.kind, "county": self.county,
            "prefecture": self.prefecture, "province": self.province, "year": self.year,
            "issued": self.issued, "encoding": encoding, "broken_lines": self.broken, "chars": chars,
            "advisers": self.advisers,
            "organisations": [o for o in self.orgs if o not in firms] + firms,
            "systems": list(self.systems), "laws": list(self.laws), "activities": list(self.activities),
            "persons": self.persons, "figures": [f for f in self.figures if f.get("text")],
        }


def _target_length(rng: random.Random) -> int:
    """≈ 3,400 characters on average, between 1,500 and 6,000."""
    while True:
        n = int(rng.lognormvariate(8.09, 0.33))
        if 1500 <= n <= 6000:
            return n


def generate(n: int, out: Path, seed: int = 7, year: int | None = 2023, progress: bool = False) -> dict:
    """Write ``n`` reports and ``planted.jsonl`` into ``out``; return totals."""
    out.mkdir(parents=True, exist_ok=True)
    world = World(n, seed)
    t0 = time.perf_counter()
    total_chars = total_bytes = 0
    with (out / "planted.jsonl").open("w", encoding="utf-8", newline="\n") as pf:
        for i in range(n):
            rng = random.Random(f"{seed}:{i}")
            y = year if year else rng.randint(2019, 2024)
            rep = Report(world, rng, i, y)
            text = rep.build(_target_length(rng))
            encoding = "gb18030" if rng.random() < 0.10 else "utf-8"
            data = text.encode(encoding)
            tag = hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).hexdigest()
            rel = f"{i // SHARD:04d}/{i:06d}_{tag}.txt"
            path = out / rel
            if i % SHARD == 0:
                path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            total_chars += len(text)
            total_bytes += len(data)
            pf.write(json.dumps(rep.planted(rel, encoding, len(text)), ensure_ascii=False) + "\n")
            if progress and (i + 1) % 5000 == 0:
                print(f"  {i + 1} reports, {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return {"reports": n, "chars": total_chars, "bytes": total_bytes,
            "seconds": round(time.perf_counter() - t0, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, required=True, help="how many reports")
    ap.add_argument("--out", type=Path, required=True, help="the folder to write")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--year", type=int, default=2023, help="the year reported on (0: 2019–2024 mixed)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    totals = generate(args.reports, args.out, args.seed, args.year or None, progress=True)
    totals["seconds"] = round(time.perf_counter() - t0, 2)
    print(f"{totals['reports']} reports, {totals['chars']:,} characters "
          f"({totals['chars'] / max(1, totals['reports']):,.0f} per report), "
          f"{totals['bytes'] / 1e6:.1f} MB, {totals['seconds']} s → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
