"""人员 recogniser: names next to posts, holdsPost relations."""
from __future__ import annotations

from ingest.pipeline import run_text
from ingest.recognize import persons
from kg.model import ORGANIZATION, PERSON, Mention

HEAD = "石桥镇人民政府关于2024年度法治政府建设情况的报告\n"


def _run(text: str, orgs: list[str] = ()):
    """Up to segmentation, optional organisation mentions, then persons."""
    doc = run_text(HEAD + text, until="segment")
    rep = doc.reports[0]
    rep.mentions, rep.relations = [], []
    for name in orgs:
        i = doc.text.index(name)
        s = rep.sentence_at(i)
        rep.mentions.append(Mention(type=ORGANIZATION, text=name, label=name, start=i,
                                    end=i + len(name), sentence=s.index, source="orgs"))
    persons.find(doc, rep)
    return doc, rep


def _people(rep):
    return [(m.label, m.post) for m in rep.mentions if m.type == PERSON]


def test_name_after_post_and_chain_of_posts():
    _, rep = _run("成立了以党委书记王建国为组长，党委副书记、镇长李红及班子成员为成员的领导小组。")
    assert _people(rep) == [("王建国", "党委书记"), ("李红", "党委副书记、镇长")]
    posts = [(r.subject.label, r.obj) for r in rep.relations if r.predicate == "holdsPost"]
    assert posts == [("王建国", "党委书记"), ("李红", "党委副书记"), ("李红", "镇长")]


def test_organisation_written_before_the_post():
    _, rep = _run("聘请某某律师事务所律师陈晓东为法律顾问。", orgs=["某某律师事务所"])
    m = next(m for m in rep.mentions if m.type == PERSON)
    assert (m.label, m.post, m.org_label) == ("陈晓东", "律师", "某某律师事务所")
    rel = next(r for r in rep.relations if r.predicate == "holdsPost")
    assert rel.subject is m and rel.obj == "律师"
    assert rel.org_mention.label == "某某律师事务所"


def test_name_before_general_secretary():
    _, rep = _run("深入学习贯彻习近平总书记重要讲话精神。")
    assert _people(rep) == [("习近平", "总书记")]
    rel = rep.relations[0]
    assert rel.obj == "总书记" and rel.org_mention is None


def test_words_after_a_post_are_not_names():
    _, rep = _run("由镇党委书记担任组长，镇长亲自部署，主任办公会研究，书记带头讲法，"
                  "组长负责统筹，副书记主抓落实，书记向全体干部讲话，习近平法治思想。")
    assert _people(rep) == []


def test_post_before_the_name_belongs_to_the_previous_person():
    _, rep = _run("以党委书记王建国为组长、党委副书记、镇长李红为副组长。")
    assert _people(rep) == [("王建国", "党委书记"), ("李红", "党委副书记、镇长")]


def test_name_followed_by_a_verb():
    _, rep = _run("邀请某某律师事务所律师赵小明开展法律咨询。")
    assert _people(rep) == [("赵小明", "律师")]


def test_two_and_three_character_names_end_on_a_boundary():
    _, rep = _run("副镇长张伟同志分管此项工作；司法所所长欧阳明华牵头。")
    assert _people(rep) == [("张伟", "副镇长"), ("欧阳明华", "司法所所长")]


def test_large_text_is_processed():
    para = "党委书记王建国为组长，镇长李红为副组长，深入学习习近平总书记重要论述。\n"
    text = para * (100_000 // len(para) + 1)
    _, rep = _run(text)
    assert len(_people(rep)) >= 3 * (100_000 // len(para))
