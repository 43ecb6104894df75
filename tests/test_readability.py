"""Briefs read as a reader expects, in each language: grades come with a key, figures are
written as numbers are ("more than US$4 billion", "逾40亿美元"), counts agree with their nouns
and name what they count, and Chinese text keeps Chinese punctuation and spacing.

Built on the fixture project (tests/fixtures/project) with the repo's templates and strings.
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import BUILD_EPOCH, CONTESTED_TOPIC, LANGS, TEMPLATES
from helpers import ROOT, Corpus


def strings(lang: str) -> dict:
    """The UI strings as the file says them (read here, not through the code under test)."""
    return yaml.safe_load((ROOT / "templates" / "strings" / f"{lang}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def project(project_root):
    from brief.corpus.load import load_project

    return load_project(project_root)


@pytest.fixture(scope="module")
def fixture_corpus(project_root) -> Corpus:
    return Corpus(project_root)


def compose(project, topic: str, lang: str, template: str):
    """(Markdown, document) of one brief of `project`, built on the session's build date."""
    import os

    from brief.build import compose_document

    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = BUILD_EPOCH
    try:
        built = compose_document(project, topic, lang, template)
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return built.markdown, built.document


def texts(document) -> list[tuple[str, str]]:
    """(where, text) of every paragraph, heading, table cell, chart caption and list entry of a
    document, citations written as the writers write them ([1, 2])."""
    from brief import model as m

    out: list[tuple[str, str]] = []

    def visit(blocks, where):
        for b in blocks:
            if isinstance(b, m.Para | m.Heading):
                out.append((where, m.inline_text(b.children)))
            elif isinstance(b, m.Table):
                for row in (b.header, *b.rows):
                    out.extend(("table", m.inline_text(cell)) for cell in row)
            elif isinstance(b, m.Chart):
                out.append(("chart", m.inline_text(b.caption)))
            elif isinstance(b, m.References):
                out.extend((b.kind, m.inline_text(e.children)) for e in b.entries)
            elif isinstance(b, m.Div):
                visit(b.blocks, b.role)
            elif isinstance(b, m.BlockQuote):
                visit(b.blocks, "quote")
            elif isinstance(b, m.BulletList | m.OrderedList):
                for item in b.items:
                    visit(item, where)

    visit(document.blocks, "body")
    return out


# ---- 1. a key to the grades ------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_template_explains_both_grade_scales_in_one_line(project, template, lang):
    """C3 means reliability C and credibility 3: every template carries, in the brief's language,
    one paragraph that gives both Admiralty scales from best to worst, and the grade that means
    "cannot be judged", with their meanings."""
    t = strings(lang)
    _, doc = compose(project, CONTESTED_TOPIC, lang, template)
    ends = [f"{g} {t[f'reliability_{g}']}" for g in "AE"] + [f"{n} {t[f'credibility_{n}']}" for n in (1, 5)] + \
        [f"F {t['grade_unjudged']}", f"6 {t['grade_unjudged']}"]
    legends = [text for _, text in texts(doc) if all(e in text for e in ends)]
    assert len(legends) == 1, f"{template}.{lang}: no one-line key to the grades"
    legend = legends[0]
    assert "Admiralty" in legend and legend.startswith(t["grades"])
    assert legend.index("A ") < legend.index("E ") < legend.index("F ") < legend.index("1 ") < legend.index("5 ")
    assert len(legend) < (260 if lang == "en" else 130), "a legend of one or two lines"
    other = strings("zh" if lang == "en" else "en")
    assert other["reliability_A"] not in legend  # in the brief's language only


# ---- 2. figures as a reader writes them ------------------------------------------------------

# value, unit (a code, or words {en, zh}), qualifier, measure -> en, zh
FIGURES = [
    (4e9, "USD", "more_than", None, "more than US$4 billion", "逾40亿美元"),
    (200e9, "EUR", None, None, "€200 billion", "2000亿欧元"),
    (300e9, "USD", "more_than", None, "more than US$300 billion", "逾3000亿美元"),
    (500e6, "USD", None, None, "US$500 million", "5亿美元"),
    (1.5e6, "GBP", "up_to", None, "up to £1.5 million", "最多150万英镑"),
    (4_123_456_789, "CNY", None, None, "CN¥4,123,456,789", "4,123,456,789人民币"),  # not exact in compact form
    (40, "%", "more_than", None, "more than 40%", "逾40%"),
    (12.5, "%", "about", None, "about 12.5%", "约12.5%"),
    (87, {"en": "AI data centres", "zh": "座AI中心"}, "about", None, "about 87 AI data centres", "约87座AI中心"),
    (40_000, {"en": "ICU patients", "zh": "例ICU患者"}, None, None, "40,000 ICU patients", "4万例ICU患者"),
    (200e6, {"en": "Chinese texts", "zh": "条中文文本"}, None, None, "200 million Chinese texts", "2亿条中文文本"),
    (19.5, {"en": "TFLOPS", "zh": "TFLOPS"}, "less_than", None, "less than 19.5 TFLOPS", "不足19.5TFLOPS"),
    (1500, {"en": "companies", "zh": "家公司"}, "at_least", None, "at least 1,500 companies", "至少1,500家公司"),
    (32, "%", None, {"en": "of global compute", "zh": "全球算力占比"}, "32% of global compute", "32%（全球算力占比）"),
    (4e9, "USD", "more_than", {"en": "for domestic AI development", "zh": "用于本国AI发展"},
     "more than US$4 billion for domestic AI development", "逾40亿美元（用于本国AI发展）"),
]


@pytest.mark.parametrize("value,unit,qualifier,measure,en,zh", FIGURES,
                         ids=[f"{f[0]:g}-{f[1] if isinstance(f[1], str) else f[1]['en']}-{f[2]}" for f in FIGURES])
def test_figures_are_worded_as_a_reader_writes_them(project_root, value, unit, qualifier, measure, en, zh):
    from brief.corpus.schema import Text
    from brief.i18n import format_figure, load_strings

    unit = Text(**unit) if isinstance(unit, dict) else unit
    measure = Text(**measure) if measure else None
    for lang, expected in (("en", en), ("zh", zh)):
        words = format_figure(value, unit, qualifier, measure, load_strings(project_root, lang))
        assert words.text == expected, lang


@pytest.mark.parametrize("lang", LANGS)
def test_fact_sheet_values_are_worded_and_right_aligned(project, fixture_corpus, lang):
    """The Value column holds the worded figure, never a row of digits with the qualifier in the
    unit ("500,000,000 | US dollars (more than)"), and is marked right-aligned (`---:`)."""
    markdown, doc = compose(project, CONTESTED_TOPIC, lang, "fact-sheet")
    assert re.search(r"^\|---\|---:\|", markdown, re.M), "the Value column is not marked right-aligned"
    from brief import model as m

    table = next(b for b in m.walk(doc.blocks) if isinstance(b, m.Table))
    values = [m.inline_text(row[1]) for row in table.rows]
    units = [m.inline_text(row[2]) for row in table.rows]
    assert ("US$500 million" if lang == "en" else "5亿美元") in values
    assert ("more than 90%" if lang == "en" else "逾90%") in values
    assert not any(re.search(r"\d{1,3}(,\d{3}){2,}", v) for v in values), values  # 500,000,000
    assert not any(re.search(r"more than|dollars|逾|美元", u) for u in units), units
    # every figure of the selection has its row
    n = sum(len(f.get("figures") or []) for fid, f in fixture_corpus.findings.items()
            if fid in doc.meta.finding_ids)
    assert len(table.rows) == n


def test_figure_units_are_codes_or_words(project_root, tmp_path):
    """A unit that is not words is '%' or a real ISO 4217 currency code."""
    from pydantic import ValidationError

    from brief.corpus.schema import Figure

    assert Figure(value=1, unit="USD", entity={"en": "x", "zh": "x"}).unit == "USD"
    assert Figure(value=1, unit="%", qualifier="more_than", entity={"en": "x", "zh": "x"}).qualifier == "more_than"
    for bad in ("XYZ", "usd", "percent"):
        with pytest.raises(ValidationError):
            Figure(value=1, unit=bad, entity={"en": "x", "zh": "x"})
    with pytest.raises(ValidationError):
        Figure(value=1, unit="%", qualifier="roughly", entity={"en": "x", "zh": "x"})


# ---- 3. plurals, and naming what a count counts ------------------------------------------------


def test_counted_strings_take_the_plural_form_of_the_count(project_root):
    from brief.i18n import load_strings

    en, zh = load_strings(project_root, "en"), load_strings(project_root, "zh")
    assert en.more_findings.format(n=1) == "1 more finding in this section:"
    assert en.more_findings.format(n=2) == "2 more findings in this section:"
    assert en.more_findings.format(n=21) == "21 more findings in this section:"
    assert en.more_pairs.format(n=1) == "1 more contradiction:"
    assert en.more_pairs.format(n=3) == "3 more contradictions:"
    assert en.n_sources.format(n=1) == "1 source" and en.n_sources.format(n=5) == "5 sources"
    assert zh.more_findings.format(n=1) == "本节另有1条发现：" and zh.more_findings.format(n=2) == "本节另有2条发现："
    assert zh.more_pairs.format(n=1) == "另有1组相互矛盾的发现："


@pytest.mark.parametrize("lang", LANGS)
def test_more_findings_lines_agree_with_their_count_and_name_each_finding(project, fixture_corpus, lang):
    """The fixture brief has a section with one finding beyond those shown and one with six: the
    line's noun agrees with the count, and each finding left is listed by its claim's opening."""
    t = strings(lang)
    _, doc = compose(project, CONTESTED_TOPIC, lang, "brief")
    from brief import model as m

    leads = {}
    for b in m.walk(doc.blocks):
        if isinstance(b, m.Div) and b.role == "finding-meta" and isinstance(b.blocks[-1], m.BulletList):
            leads[m.inline_text(b.blocks[0].children)] = [m.inline_text(i[0].children) for i in b.blocks[-1].items]
    forms = t["more_findings"]
    one = forms["one"] if isinstance(forms, dict) else forms
    other = forms["other"] if isinstance(forms, dict) else forms
    assert one.format(n=1) in leads and other.format(n=6) in leads, list(leads)
    claims = [f["claim"][lang] for f in fixture_corpus.findings.values()]
    for lead in (one.format(n=1), other.format(n=6)):
        items = leads[lead]
        assert len(items) == int(re.search(r"\d+", lead).group())
        for item in items:
            opening = re.split(r"…|\[", item)[0].strip()
            assert len(opening) >= 10 and any(c.startswith(opening) for c in claims), item
            assert item.endswith(t["graded"].format(grade=item[-2:])) and re.search(r"\][^\]]*[A-F][1-6]$", item), item
    if lang == "en":
        assert not any(re.match(r"1 more findings|1 more contradictions", k) for k in leads)


@pytest.fixture
def same_source_pair(sample_project):
    """The fixture project with one more contradiction, between two findings of one source
    (convo-finance-compute-divide), late enough in the topic to be listed beyond the three shown in full."""
    path = sample_project / "seeds" / "convo-finance-compute-divide" / "findings.yaml"
    text = path.read_text(encoding="utf-8")
    left, right = "cfd-new-digital-divide", "cfd-cooperation-recommendation"
    for me, other in ((left, right), (right, left)):
        block = re.search(rf"(?ms)^  - id: {me}\n.*?(?=^  - id: |\Z)", text).group()
        if re.search(r"(?m)^    contradicts:", block):
            new = re.sub(r"(?m)^(    contradicts: \[)", rf"\g<1>{other}, ", block)
        else:
            new = re.sub(r"(?m)^(    credibility: .*)$", rf"\1\n    contradicts: [{other}]", block, count=1)
        assert new != block
        text = text.replace(block, new)
    path.write_text(text, encoding="utf-8")
    from brief.corpus.load import load_project

    return load_project(sample_project), left, right


@pytest.mark.parametrize("lang", LANGS)
def test_a_contradiction_within_one_source_names_both_findings(same_source_pair, lang):
    """Two findings of one source share a reference number: the line must not read "[2] ↔ [2]"
    but name both claims."""
    project, left, right = same_source_pair
    _, doc = compose(project, CONTESTED_TOPIC, lang, "brief")
    claims = {fid: project.findings[fid].finding.claim[lang] for fid in (left, right)}
    lines = [text for where, text in texts(doc) if "↔" in text]
    assert not [x for x in lines if re.search(r"\[(\d+)\]\s*↔\s*\[\1\]", x)], lines
    mine = [x for x in lines if all(c[:12] in x for c in claims.values())]
    assert len(mine) == 1, lines
    numbers = re.findall(r"\[(\d+)\]", mine[0])
    assert len(numbers) == 2 and numbers[0] == numbers[1]  # one source, one number: the claims tell them apart
    forms = strings(lang)["more_pairs"]
    form = (forms["one"] if len(lines) == 1 else forms["other"]) if isinstance(forms, dict) else forms
    assert form.format(n=len(lines)) in [text for _, text in texts(doc)]


def test_a_plural_string_needs_every_form_of_its_language(sample_project):
    from brief.errors import InputError
    from brief.i18n import load_strings

    path = sample_project / "templates" / "strings" / "en.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^more_pairs: .*$", 'more_pairs: "{n} more contradictions:"', text), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_strings(sample_project, "en")
    assert "more_pairs" in str(e.value) and "one, other" in str(e.value)

    path.write_text(re.sub(r"(?m)^more_pairs: .*$", 'more_pairs: {one: "{n} more contradiction:", few: "{n} x", '
                           'other: "{n} more contradictions:"}', text), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_strings(sample_project, "en")
    assert "few is not a plural form of en_001" in str(e.value)

    path.write_text(text, encoding="utf-8")
    zh = sample_project / "templates" / "strings" / "zh.yaml"
    ztext = zh.read_text(encoding="utf-8")
    zh.write_text(re.sub(r"(?m)^more_pairs: .*$", 'more_pairs: {one: "另有{n}组：", other: "另有{n}组："}', ztext),
                  encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_strings(sample_project, "zh")
    assert "one is not a plural form of zh_Hans_CN" in str(e.value)


# ---- 4. Chinese typography -------------------------------------------------------------------

CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
FULL_WIDTH = "，。、；：！？）》」』】"
# A half-width bracket, semicolon, colon or comma next to Chinese text (spaces between allowed).
HALF_WIDTH_IN_CJK = re.compile(rf"[{CJK}] *[();:,]|[();:,] *[{CJK}]")
SPACE_AFTER_FULL_WIDTH = re.compile(rf"[{FULL_WIDTH}][ \u00a0]+\S")
CITE_AFTER_SPACE = re.compile(rf"[{FULL_WIDTH}…”’][ \u00a0]+\[\d+(, \d+)*\]")
SPACE_AFTER_CITE = re.compile(r"[。！？…]\[\d+(, \d+)*\][ \u00a0]+[\u4e00-\u9fff]")  # "。[1] 一篇" (the next sentence)


def zh_texts(project, corpus, topic: str, template: str) -> list[tuple[str, str]]:
    """The Chinese brief's texts, less what must stay as it is: verbatim quotes and words quoted
    in “…” (their source's punctuation), the reference list (GB/T 7714 punctuation) and the quote label (see below)."""
    _, doc = compose(project, topic, "zh", template)
    quotes = sorted((f["quote"] for f in corpus.findings.values()), key=len, reverse=True)
    out = []
    for where, text in texts(doc):
        if where == "references":
            continue
        for q in quotes:
            text = text.replace(q, "〔quote〕")
        text = re.sub(r"“[^”]*”", "“〔quoted〕”", text)  # quoted words keep their source's punctuation
        if where == "quote":
            text = re.sub(r"^原文 \(段 \d+\): ", "", text)  # the quote label: test below
        out.append((where, text))
    return out


TOPICS = ("compute-divide", "sovereign-compute", "gap-debate")


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("topic", TOPICS)
def test_chinese_text_keeps_chinese_punctuation_and_spacing(project, fixture_corpus, template, topic):
    """No half-width ( ) ; : , next to Chinese text, no space after full-width punctuation, and no
    space between a full-width mark and the citation after it ("芯片。[1]"), in the whole text of
    every template's Chinese brief."""
    problems = []
    for where, text in zh_texts(project, fixture_corpus, topic, template):
        for pattern, what in ((HALF_WIDTH_IN_CJK, "half-width punctuation in Chinese text"),
                              (SPACE_AFTER_FULL_WIDTH, "a space after full-width punctuation"),
                              (CITE_AFTER_SPACE, "a space before a citation after a full-width mark"),
                              (SPACE_AFTER_CITE, "a space between a sentence's citation and the next sentence")):
            for hit in pattern.finditer(text):
                problems.append(f"{where}: {what}: …{text[max(0, hit.start() - 12):hit.end() + 12]}…")
    assert not problems, "\n".join(problems)


def test_chinese_quote_label_is_full_width(project):
    _, doc = compose(project, CONTESTED_TOPIC, "zh", "brief")
    labels = [text[:text.index("：") + 1] for where, text in texts(doc) if where == "quote"]  # (not the quote)
    assert labels and not any(HALF_WIDTH_IN_CJK.search(x) for x in labels), labels


def test_no_space_is_taken_from_english_citations_or_data(project):
    """The Chinese rules touch only what templates join: an English brief keeps "claim. [1]"
    and "…” [1]" after an English quotation mark."""
    from brief.i18n import tidy_spacing

    assert tidy_spacing("He said “no”. [@a] and “partners” [@b]") == "He said “no”. [@a] and “partners” [@b]"
    assert tidy_spacing("芯片。 [@a]；称其“伙伴” [@b]") == "芯片。[@a]；称其“伙伴”[@b]"
    assert tidy_spacing("**日期：** 2023年") == "**日期**：2023年"
    assert tidy_spacing("原文：\\。 data") == "原文：\\。 data"  # a value's own spaces stay
    markdown, _ = compose(project, CONTESTED_TOPIC, "en", "brief")
    assert re.search(r"\. \[@", markdown)


# ---- 5. one grade form, joined to its citation -----------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("lang", LANGS)
def test_a_grade_is_written_one_way_and_kept_with_its_citation(project, template, lang):
    """Every grade after a citation reads as the strings write it ("[n] · Grade C3", joined by
    no-break spaces; "[n]·C3" in Chinese), in every template: never another form ("[n] C3",
    "· Grade C3" without its citation)."""
    t = strings(lang)
    _, doc = compose(project, CONTESTED_TOPIC, lang, template)
    form = re.escape(t["graded"].format(grade="@@")).replace("@@", "[A-F][1-6]")
    graded = re.compile(r"\[\d+(" + re.escape(t["cite_sep"]) + r"\d+)*\]" + form + r"\b")
    loose = re.compile(r"(·|\]) ?[A-F][1-6]\b")
    found = 0
    for where, text in texts(doc):
        if where in ("references", "source-notes"):
            continue
        found += len(graded.findall(text))
        assert not loose.search(graded.sub("", text)), text
    assert found


def test_a_grade_is_split_from_what_follows_it():
    """What keeps with a citation: its separator and grade as the strings write them, spaced
    (" · Grade C2") or not ("·C2", as in Chinese); nothing when no grade follows."""
    from brief.writers.linebreak import split_grade

    assert split_grade("\u00a0·\u00a0Grade\u00a0C2 more") == ("\u00a0·\u00a0", "Grade\u00a0C2", " more")
    assert split_grade(" · Grade C2") == (" · ", "Grade C2", "")
    assert split_grade("·C2 · 转述自：环球网") == ("·", "C2", " · 转述自：环球网")
    assert split_grade("· C2") is None and split_grade("·") is None and split_grade(" and more") is None
