"""Analytic standards: ICD 203 likelihood terms and confidence levels in judgments, and the
caveats a reader must know about a source (ICD 206 source descriptors).

A judgment states how likely something is with one of the ICD 203 terms, and puts its confidence
(high, moderate, low) in a separate sentence. Terms are known for English and Chinese.
"""

from __future__ import annotations

import re

LIKELIHOOD = {
    "en": re.compile(
        r"\b(almost no chance|remote|very unlikely|highly improbable|unlikely|improbable|"
        r"roughly even (chance|odds)|likely|probable|probably|very likely|highly probable|"
        r"almost certain(ly)?|nearly certain)\b",
        re.IGNORECASE,
    ),
    "zh": re.compile(r"(几乎不可能|很不可能|不太可能|不大可能|大致各半|可能性各半|很可能|可能|几乎肯定|几乎确定|基本确定)"),
}
CONFIDENCE = {
    "en": re.compile(r"\b((high|moderate|medium|low)\s+confidence|confidence\s+(is|was|remains)\s+(high|moderate|medium|low))\b",
                     re.IGNORECASE),
    "zh": re.compile(r"((高|中等|较高|较低|低)(度)?(置信|信心|把握)|置信度(高|中等|低))"),
}
_SENTENCES = {"en": re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])"), "zh": re.compile(r"(?<=[。！？])")}


def sentences(text: str, lang: str) -> list[str]:
    splitter = _SENTENCES.get(lang)
    parts = splitter.split(text) if splitter else [text]
    return [p for p in (x.strip() for x in parts) if p]


def judgment_problems(text: str, lang: str) -> list[str]:
    """What a judgment's wording breaks of ICD 203, as messages (none if it is fine)."""
    if lang not in LIKELIHOOD:
        return []
    problems = []
    if not LIKELIHOOD[lang].search(text):
        problems.append("states no ICD 203 likelihood term (e.g. 'likely', 'roughly even chance', 'unlikely'"
                        + ("; 可能、很可能、不太可能" if lang == "zh" else "") + ")")
    for s in sentences(text, lang):
        if LIKELIHOOD[lang].search(s) and CONFIDENCE[lang].search(s):
            problems.append(f"puts a likelihood term and a confidence level in one sentence: {s!r}")
    return problems


# What the automatic caveats say, as a rationale or a source's own caveat may already say it.
STATED = {
    "relayed": {"en": re.compile(r"\b(relay(s|ed|ing)?|repost(s|ed|ing)?|second-hand|credits (the|this|its) "
                                 r"(article|post|text) to)\b", re.IGNORECASE),
                "zh": re.compile(r"转述|转载|转自|转引|二手")},
    "undated": {"en": re.compile(r"\b(undated|no (publication )?date|names no\b[^.;]*\bdate)\b", re.IGNORECASE),
                "zh": re.compile(r"无日期|没有日期|未注明日期|日期不详|没有[^。；]*日期")},
    "anonymous": {"en": re.compile(r"\b(anonymous(ly)?|unsigned|no author|names no author)\b", re.IGNORECASE),
                  "zh": re.compile(r"匿名|未署名|没有署名|没有作者|无作者")},
}
SAME_SENTENCE = 0.6  # similarity (rapidfuzz ratio, 0-1) at which a caveat says again what the rationale says


def _said(fact: str, texts: list[str], lang: str) -> bool:
    pattern = STATED[fact].get(lang)
    return pattern is not None and any(pattern.search(x) for x in texts)


def _repeats(caveat: str, rationale: str, lang: str) -> bool:
    """Whether a caveat is a sentence of the rationale said again (in other words, nearly)."""
    key = (caveat, rationale, lang)
    if key not in _REPEATS:
        from rapidfuzz import fuzz  # (an edit-distance similarity, as difflib's ratio, much faster)

        squash = lambda x: re.sub(r"[\s\"“”'‘’()（）.,，。;；:：]+", "", x).lower()  # noqa: E731
        c = squash(caveat)
        _REPEATS[key] = any(fuzz.ratio(squash(r), c) / 100 >= SAME_SENTENCE for r in sentences(rationale, lang))
    return _REPEATS[key]


_REPEATS: dict[tuple[str, str, str], bool] = {}


def caveats(s, lang: str, t) -> list[str]:
    """What a reader must know about a source beyond its reliability rationale, each thing said
    once: automatic caveats from its metadata (relayed, undated, anonymous) unless the rationale
    or the source's own caveats already say so, then its own caveats, except one that repeats a
    sentence of the rationale."""
    rationale = getattr(s.reliability.rationale, lang, s.reliability.rationale.en) if s.reliability else ""
    own = [c for c in (getattr(c, lang, c.en) for c in s.caveats) if not _repeats(c, rationale, lang)]
    said = [rationale, *own]
    out = []
    if s.primary_source is not None and not _said("relayed", said, lang):
        name = getattr(s.primary_source.name, lang, s.primary_source.name.en)
        out.append((t.caveat_relayed if s.primary_source.named else t.caveat_relayed_unnamed).format(primary=name))
    if not s.published and not _said("undated", said, lang):
        out.append(t.caveat_undated)
    if not s.author and not _said("anonymous", said, lang):
        out.append(t.caveat_anonymous)
    return out + own
