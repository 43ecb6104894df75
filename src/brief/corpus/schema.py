"""File schemas: one pydantic model per file kind, one description per field.

`brief schema --out DIR` exports them as JSON Schema so an editor can validate YAML as you type.
"""


import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WrapValidator, field_validator, model_validator

ID_RE = r"^[a-z0-9]+(-[a-z0-9]+)*$"
DATE_RE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
TLP_LABELS = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")
TOPIC_TAG_HINT = "a topic tag is a kebab-case id such as sovereign-ai"
# Length limits: a brief is read on paper, and layout time grows with a paragraph's length.
QUOTE_MAX = 2000      # characters of a finding's quote
CLAIM_MAX = 1000      # characters of a claim, per language
SENTENCE_MAX = 600    # characters of a bottom-line or key-judgment sentence, per language
TEXT_MAX = 1000       # characters of any other text (titles, labels, rationales: Text fields)


# Characters no text of the corpus may hold: C0 and C1 controls (but tab and line breaks, which
# YAML text may carry and rendering folds to spaces), lone surrogates and non-characters. They
# would ring a terminal, break XML or reach a PDF as boxes; `brief check` reports them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _no_controls(value):
    if isinstance(value, str):
        m = _CONTROL.search(value)
        if m:
            raise ValueError(f"contains the control character U+{ord(m.group()):04X} at position {m.start() + 1}; "
                             "delete it (retype the text around it if you cannot see it)")
    elif isinstance(value, (list, tuple)):
        for item in value:
            _no_controls(item)
    elif isinstance(value, dict):
        for item in value.values():
            _no_controls(item)
    return value


# A text checked where it stands, so that an error inside a mapping (claim.en) names its own line.
CleanStr = Annotated[str, AfterValidator(_no_controls)]


class Strict(BaseModel):
    """Base: unknown fields are errors, models are immutable once loaded, and no text holds a
    control character."""

    # (defer_build: a model's validator is built when first used; a run that only reads kept
    # results never builds most of them)
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_clean(cls, v):
        return _no_controls(v)


class Text(Strict):
    """A text in English and Chinese. Both are required."""

    en: str = Field(min_length=1, max_length=TEXT_MAX, description="English wording.")
    zh: str = Field(min_length=1, max_length=TEXT_MAX, description="Chinese (simplified) wording.")


def _check_date(v: str | None) -> str | None:
    if v is None:
        return v
    if not re.match(DATE_RE, v):
        raise ValueError(f"{v!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(x) for x in v.split("-")]
    if len(parts) > 1 and not 1 <= parts[1] <= 12:
        raise ValueError(f"{v!r}: month out of range")
    if len(parts) > 2:
        import datetime

        try:
            datetime.date(*parts)
        except ValueError as e:
            raise ValueError(f"{v!r}: {e}") from None
    return v


RELIABILITY = ("A", "B", "C", "D", "E", "F")
RELIABILITY_LABELS = {
    "A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
    "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}
CREDIBILITY_LABELS = {
    1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
    4: "doubtful", 5: "improbable", 6: "truth cannot be judged",
}


class Reliability(Strict):
    """Admiralty source reliability: A (completely reliable) ... E (unreliable), F (cannot be judged)."""

    grade: Literal["A", "B", "C", "D", "E", "F"] = Field(description="A, B, C, D, E or F.")
    rationale: Text = Field(description="Why, drawn from the text itself.")


class PrimarySource(Strict):
    """The study or report an article relays, as the text names it. Never invented."""

    key: str = Field(pattern=ID_RE, description="Id shared by every source relaying this same primary source; findings with one key count as one line of reporting.")
    name: Text = Field(description="The primary source as the text names it (or describes it, when unnamed).")
    named: bool = Field(True, description="False when the text does not name the primary source.")


_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]")


class Name(Strict):
    """One name as CSL-JSON name parts: `family` (with `given`) for a person whose name is written
    in family and given parts, or one `literal` for an organisation, a pseudonym or a name written
    as one string (a Chinese name such as 崔传刚 is never split)."""

    family: str | None = Field(None, min_length=1, max_length=TEXT_MAX, description="Family name (surname), e.g. Marsh.")
    given: str | None = Field(None, min_length=1, max_length=TEXT_MAX, description="Given name(s), e.g. Elena; only with family.")
    literal: str | None = Field(None, min_length=1, max_length=TEXT_MAX, description="The whole name as one string: an organisation, a pseudonym, or a Chinese name such as 崔传刚.")

    @model_validator(mode="after")
    def _parts(self) -> "Name":
        if self.literal is not None and (self.family is not None or self.given is not None):
            raise ValueError("a name is either {literal: …} or {family: …, given: …}, not both")
        if self.literal is None and self.family is None:
            raise ValueError("a name with given needs family too" if self.given is not None
                             else "a name needs family (with given) or literal")
        for part in (self.family, self.given, self.literal):
            if part is not None and not part.strip():
                raise ValueError("a name part is empty")
        return self

    @property
    def cjk(self) -> bool:
        """Written in Chinese (or another CJK script): shown as one string, family name first."""
        return bool(_CJK.search((self.family or "") + (self.given or "")))

    def __str__(self) -> str:
        """The name as written in running text: 'Elena Marsh', '崔传刚', 'Example Institute'."""
        if self.literal is not None:
            return self.literal
        if self.cjk:
            return (self.family or "") + (self.given or "")
        return " ".join(x for x in (self.given, self.family) if x)


def _names(value):
    """`author` as written (one string, one name, or a list of strings and names) as a list of
    names to validate; a plain string is a literal name."""
    if value is None:
        return None
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError("author is an empty list: write null for an anonymous source")
    return [{"literal": x} if isinstance(x, str) else x for x in items]


class _JsonSchema:
    """Like pydantic's WithJsonSchema, with the JSON schema made only when one is asked for
    (`brief schema`), not when this module is imported."""

    def __init__(self, make):
        self.make = make

    def __get_pydantic_json_schema__(self, core_schema, handler) -> dict:
        return self.make()


def _authors_schema() -> dict:
    name = Name.model_json_schema()
    name.pop("title", None)
    one = {"anyOf": [{"type": "string", "minLength": 1, "description": "One literal name."}, name]}
    return {"anyOf": [one, {"type": "array", "minItems": 1, "items": one}, {"type": "null"}]}


# `author` in YAML: one string (read as a literal name), one name in parts, or a list of them;
# loaded as a tuple of Names (or None).
Authors = Annotated[tuple[Name, ...] | None, BeforeValidator(_names), _JsonSchema(_authors_schema)]


class Capture(Strict):
    """The file as it was saved (HTML page, PDF report), when `original` is the text extracted from it."""

    file: str = Field(description="Path of the saved file, relative to seeds/.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the saved file.")
    extractor: str = Field(min_length=1, description="The extractor that made `original` from it (e.g. trafilatura).")
    extractor_version: str = Field("", description="Its version.")
    method: str | None = Field(None, description="Any step after extraction, said in words.")


class Source(Strict):
    """`seeds/<id>/source.yaml`: one pinned source and what is known about it.

    Every field comes from the text itself. A field the text does not give stays null and is
    rendered as unknown ("n.d."); never fill one in from elsewhere.
    """

    id: str = Field(pattern=ID_RE, description="Stable, readable id; equals the folder name.")
    original: str = Field(description="Path of the unchanged original file, relative to seeds/.")
    original_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the original file.")
    body_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of body.txt, the cleaned text that quotes point into.")
    title: str | None = Field(min_length=1, max_length=TEXT_MAX, description="Title in the original language, as the text gives it; null until it is filled in (`brief check` reports it).")
    title_supplied: bool = Field(False, description="True when the text has no title and `title` is the analyst's bracketed description.")
    title_en: str | None = Field(min_length=1, max_length=TEXT_MAX, description="English title (the analyst's translation); null until it is filled in (`brief check` reports it).")
    publisher: str | None = Field(None, max_length=TEXT_MAX, description="Publisher, outlet or account, as named in the text; null if not named.")
    author: Authors = Field(None, description="Author(s) as named in the text, as CSL name parts: a plain string is one literal name (an organisation, a pseudonym or a Chinese name such as 崔传刚); {family: Marsh, given: Elena} for a name in parts; a list for several authors. Null if anonymous or not named.")
    published: str | None = Field(None, description="Publication date (YYYY, YYYY-MM or YYYY-MM-DD); null if the text gives none.")
    accessed: str | None = Field(None, description="Access (capture) date; null if unknown.")
    url: str | None = Field(None, description="URL as given in the text; null if none. Never invented.")
    language: str = Field(pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$", description="Language of the text, e.g. zh.")
    source_type: Literal["news-site", "blog", "magazine", "wechat-account", "essay", "report", "other"] | None = Field(description="Kind of source; null until it is filled in (`brief check` reports it).")
    primary_source: "PrimarySource | None" = Field(None, description="When the article relays someone else's study or report: that primary source, as the text names it.")
    reliability: "Reliability | None" = Field(description="Admiralty source-reliability grade A-F with its rationale; null while the source is not yet graded (`brief check` reports it).")
    capture: "Capture | None" = Field(None, description="For a source ingested from a saved HTML page or PDF: that file, pinned, and how `original` (the extracted text) was made from it.")
    caveats: list[Text] = Field(default_factory=list, description="Caveats a reader must know (e.g. signs of machine-generated text), shown under Source notes. Undated, anonymous and relayed sources get their caveat automatically.")
    notes: str | None = Field(None, description="How the metadata was read from the text; for analysts, not shown in briefs.")

    _d1 = field_validator("published", "accessed")(lambda cls, v: _check_date(v))

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v)


def check_url(v: str | None) -> str | None:
    """A URL as the text gives it, kept as written, if it is a valid http(s) URL (parsed by
    pydantic's URL parser): no spaces, line breaks, control or bidirectional-override characters."""
    if v is None:
        return v
    bad = re.search(r"[\s\u200b-\u200f\u202a-\u202e\u2066-\u2069]", v)
    if bad:
        raise ValueError(f"url holds {'a space' if bad.group().isspace() else 'an invisible character'} "
                         f"(U+{ord(bad.group()):04X}) at position {bad.start() + 1}; percent-encode it (%20) or delete it")
    if not re.match(r"^https?://[^/?#]+", v):
        raise ValueError("url must start with http:// or https:// and a host name")
    from pydantic import HttpUrl, TypeAdapter, ValidationError

    try:
        TypeAdapter(HttpUrl).validate_python(v)
    except ValidationError as e:
        raise ValueError(f"url is not a valid URL: {e.errors()[0]['msg'].removeprefix('Input should be a valid URL, ')}") from None
    return v


class Locator(Strict):
    """Where a quote stands in its source's body.txt."""

    para: int = Field(ge=1, description="Paragraph number: the 1-based line number in body.txt.")
    start: int = Field(ge=0, description="Offset of the quote's first character in that line (Python string index).")
    end: int = Field(ge=1, description="Offset just past the quote's last character.")

    @model_validator(mode="after")
    def _order(self) -> "Locator":
        if self.end <= self.start:
            raise ValueError("locator end must be greater than start")
        return self


Qualifier = Literal["more_than", "at_least", "about", "up_to", "less_than"]
UNIT_CODE_RE = r"^(%|[A-Z]{3})$"


def _unit(value, handler):
    """A figure's unit: words in both languages (validated as Text, so that an error names
    unit.en or unit.zh), or a code: '%' or an ISO 4217 currency code."""
    if not isinstance(value, str):
        return handler(value)
    if value != "%":
        from babel.numbers import list_currencies  # only when a figure names a currency

        if not re.match(UNIT_CODE_RE, value) or value not in list_currencies():
            raise ValueError(f"{value!r} is neither '%' nor an ISO 4217 currency code (such as USD, EUR, CNY); "
                             "write any other unit in words, as {en: ..., zh: ...}")
    return value


Unit = Annotated[Text, WrapValidator(_unit),
                 _JsonSchema(lambda: {"anyOf": [Text.model_json_schema(), {"type": "string", "pattern": UNIT_CODE_RE}]})]


class Figure(Strict):
    """One structured value of a `figure` finding."""

    value: float = Field(allow_inf_nan=False, description="The number as it stands in the quote (e.g. 87, 19.5, 32 for 32%, 4000000000 for 40亿); a finite number.")
    qualifier: Qualifier | None = Field(None, description="How the text bounds the value: more_than (逾, 超过, 以上), at_least (至少), about (约, 近), up_to (最多, 至多) or less_than (不足); null when it states the value as is.")
    unit: Unit = Field(description="What the value counts, in words ({en: 'AI data centres', zh: '座AI中心'}; {en: EFLOPS, zh: EFLOPS}), or a code: '%' for a percentage, an ISO 4217 currency code (USD, EUR, CNY) for an amount of money.")
    measure: Text | None = Field(None, description="What the value is of, written after it: {en: 'of global compute', zh: '全球算力占比'}, {en: 'for domestic AI development', zh: '用于本国AI发展'}.")
    entity: Text = Field(description="What or whom the value is about.")
    as_of: str | None = Field(None, description="Date the value holds for, if the text states it; null otherwise.")

    _d = field_validator("as_of")(lambda cls, v: _check_date(v))


Kind = Literal["fact", "figure", "judgment", "recommendation"]


class Finding(Strict):
    """One finding: a claim in the analyst's words resting on one verbatim quote."""

    id: str = Field(pattern=ID_RE, description="Stable id, unique across the corpus.")
    kind: Kind = Field(description="fact, figure, judgment or recommendation.")
    topics: list[str] = Field(min_length=1, description="Topic tags this finding bears on.")
    stance: str | None = Field(None, description="A position from seeds/stances.yaml, where the finding takes one.")
    quote: str = Field(min_length=1, max_length=QUOTE_MAX, description=f"Verbatim passage in the original language (at most {QUOTE_MAX} characters).")
    locator: Locator
    claim: dict[str, CleanStr] = Field(min_length=1, description=f"The claim in the analyst's own words, by language code (en, zh, ...), at most {CLAIM_MAX} characters each. A brief in a language the claim lacks is an error.")
    credibility: int = Field(ge=1, le=6, description="Admiralty information credibility: 1 confirmed ... 5 improbable, 6 cannot be judged.")
    contradicts: list[str] = Field(default_factory=list, description="Ids of findings this one contradicts; links must be mutual.")
    figures: list[Figure] = Field(default_factory=list, description="Structured values; required for kind figure.")
    via_primary: bool = Field(False, description="True when the text attributes this passage to the primary source the article relays (its source's primary_source): the brief then says the finding is relayed from it. Only for a source with a primary_source.")

    @field_validator("claim")
    @classmethod
    def _claim_langs(cls, v: dict[str, str]) -> dict[str, str]:
        for lang, text in v.items():
            if not re.match(r"^[a-z]{2}$", lang):
                raise ValueError(f"claim language {lang!r} is not a two-letter language code such as en or zh")
            if not text.strip():
                raise ValueError(f"claim.{lang} is empty")
            if len(text) > CLAIM_MAX:
                raise ValueError(f"claim.{lang} has {len(text)} characters, more than {CLAIM_MAX}; say it shorter, "
                                 "or split the finding")
        return v

    @field_validator("topics")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        for t in v:
            if not re.match(ID_RE, t):
                raise ValueError(f"{t!r} is not a topic tag; {TOPIC_TAG_HINT}")
        return v

    @model_validator(mode="after")
    def _figures(self) -> "Finding":
        if self.kind == "figure" and not self.figures:
            raise ValueError("a finding of kind figure needs at least one entry under figures")
        if self.kind != "figure" and self.figures:
            raise ValueError(f"only kind figure takes figures (this one is {self.kind})")
        return self


class FindingsFile(Strict):
    """`seeds/<source-id>/findings.yaml`: the findings drawn from one source."""

    source: str = Field(pattern=ID_RE, description="Id of the source these findings quote; equals the folder name.")
    findings: list[Finding] = Field(default_factory=list)


class StanceAxis(Strict):
    """A question on which the sources take opposing positions."""

    question: Text
    positions: dict[str, Text] = Field(min_length=2, description="Position id -> label.")


class StancesFile(Strict):
    """`seeds/stances.yaml`: the stance axes findings may take positions on."""

    axes: dict[str, StanceAxis]


class Sentence(Strict):
    """One sentence of the analyst's text, in both languages, with the findings it rests on."""

    en: str = Field(min_length=1, max_length=SENTENCE_MAX)
    zh: str = Field(min_length=1, max_length=SENTENCE_MAX)
    cites: list[str] = Field(min_length=1, description="Ids of the findings this sentence rests on; each must be in the topic's selection.")


class Selector(Strict):
    """Which findings a topic takes. A finding is taken when it matches every field that is set."""

    topics: list[str] = Field(min_length=1, description="Take findings tagged with any of these topic tags.")
    kinds: list[Kind] | None = Field(None, description="Only these kinds (default: all).")
    sources: list[str] | None = Field(None, description="Only findings from these sources (default: all).")
    exclude_sources: list[str] = Field(default_factory=list, description="Never take findings from these sources.")
    stances: list[str] | None = Field(None, description="Only findings with one of these stances (default: any, including none).")
    include: list[str] = Field(default_factory=list, description="Finding ids to take whatever the filters say.")
    exclude: list[str] = Field(default_factory=list, description="Finding ids to leave out whatever the filters say.")
    min_reliability: Literal["A", "B", "C", "D", "E"] | None = Field(None, description="Leave out findings from sources graded below this (F, cannot be judged, is left out too).")
    max_credibility: int | None = Field(None, ge=1, le=6, description="Leave out findings whose credibility grade is worse (higher) than this.")


OrderKey = Literal["kind", "source", "position", "id", "topic-match"]


class ChartSpec(Strict):
    """A chart drawn from the structured figures of findings: one bar per figure."""

    id: str = Field(pattern=ID_RE, description="Chart id, unique in the topic.")
    title: Text
    findings: list[str] = Field(min_length=1, description="Ids of figure findings whose values are plotted.")
    unit: str | None = Field(None, description="Plot only figures whose English unit (with its measure, e.g. '% of global compute') is exactly this (default: the first figure's).")


class Topic(Strict):
    """`briefs/<id>.yaml`: one brief. It selects findings and carries the analyst's text."""

    id: str = Field(pattern=ID_RE, description="Topic id; equals the file name without .yaml.")
    title: Text
    question: Text = Field(description="The question the brief answers.")
    select: Selector
    order: list[OrderKey] = Field(default_factory=lambda: ["kind", "source", "position"],
                                  description="Sort keys for the selected findings, applied in turn.")
    template: str = Field("brief", pattern=ID_RE, description="Template name: templates/<name>.md.j2.")
    version: str = Field("1.0", min_length=1, max_length=20, description="Version of this brief, shown on the cover and in the file metadata.")
    csl: str | None = Field(None, description="CSL style for references: a file name in templates/csl/ or a path (default: Chicago notes-bibliography for en, GB/T 7714-2015 numeric for zh).")
    tlp: Literal[TLP_LABELS] = Field("TLP:CLEAR", description="Traffic Light Protocol 2.0 label.")  # type: ignore[valid-type]
    key_findings: list[str] | None = Field(None, description="Ids of findings to lead with; default: the first five of the selection.")
    charts: list[ChartSpec] = Field(default_factory=list, description="Charts built from the findings' figures.")
    bottom_line: list[Sentence] = Field(min_length=1, max_length=3, description="The analyst's bottom line: one to three sentences.")
    key_judgments: list[Sentence] = Field(min_length=2, max_length=4, description="Two to four key judgments.")



class ProjectConfig(Strict):
    """`brief.yaml` at the project root: who publishes the briefs."""

    organisation: Text = Field(description="The publishing organisation, shown on the cover and in file metadata.")
    author: Text | None = Field(None, description="The author or desk.")
    pdf_engine: Literal["reportlab", "typst"] | None = Field(
        None, description="What writes the PDF: reportlab (the default) or typst (a tagged PDF/UA-1); "
                          "`brief generate --pdf-engine` overrides it.")
