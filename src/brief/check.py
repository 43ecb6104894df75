"""The one checking stage, shared by `brief check`, `generate`, `watch` and `distribute`.

`preflight()` checks what one build needs (the corpus loaded cleanly, the topics, language,
template and CSL style exist, each topic is consistent) and returns each topic's selection, made
once, for the build to use. `check_project()` is `brief check`: every load problem, every topic,
and every template composed against every topic in every language, so that `check` accepts
exactly what `generate` can build.
"""

from __future__ import annotations

import datetime
import difflib
import re

from brief.corpus.index import Store, digest
from brief.corpus.load import Project, TopicEntry
from brief.corpus.standards import judgment_problems
from brief.errors import BriefError, InputError, Problem, TemplateError
from brief.select import Selection, figures_of, get_topic, grade_reason, select


def preflight(project: Project, topic_ids: list[str], *, lang: str | None = None, template: str | None = None,
              csl: str | None = None) -> dict[str, Selection]:
    """Check what building these topics (in `lang`, when given) needs; return each topic's selection."""
    from brief import compose, i18n

    project.raise_if_problems()
    t = i18n.load_strings(project.root, lang) if lang else None
    selections: dict[str, Selection] = {}
    problems: list[Problem] = []
    for tid in topic_ids:
        entry = get_topic(project, tid)
        selection = select(project, entry)
        problems.extend(check_topic(project, entry, selection))
        selections[tid] = selection
    if project.numbers is not None:
        project.numbers.save()
    if problems:
        raise InputError(problems)
    for tid in topic_ids:
        compose.check_name(project.root, template or project.topics[tid].topic.template)
    if csl:
        from brief.cite import load_style

        load_style(project.root, csl, t.csl_locale if t else "en-US")
    return selections


def check_project(project: Project, today: datetime.date) -> list[Problem]:
    """Everything `brief check` reports: load problems, style files, topics, templates (one
    report each)."""
    from brief.writers.styles import check_styles

    passed = _Passed(project, today)
    styles = check_styles(project.root, reference_known_good=passed.has(passed.static_key("reference-docx")))
    if not styles:
        passed.add(passed.static_key("reference-docx"))
    problems = list(project.problems) + styles + check_templates(project, today, passed)
    if not styles and not project.incomplete:
        problems += check_typst(project, today, passed)
    passed.save()
    if project.numbers is not None:
        project.numbers.save()
    if project.follow_on:  # say it once, on the first problem of a file that did not load
        broken = {f"seeds/{name}/" for name in project.broken_sources | project.broken_findings}
        root = next((p for p in problems if any((p.path or "").startswith(b) for b in broken)), None)
        if root is not None:
            whose = "this file" if len(broken) == 1 else "the files that did not load"
            root.message += f" ({project.follow_on} later problem(s) depend on {whose})"
    seen, unique = set(), []
    for p in problems:
        key = (p.path, p.line, p.message.split(" (topic ")[0])
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def check_templates(project: Project, today: datetime.date, passed: "_Passed | None" = None) -> list[Problem]:
    """Compile every template, and compose it against every topic in every language (except what
    `passed` knows passed before with the same inputs)."""
    from brief import compose, document, i18n

    root = project.root
    names = compose.template_names(root)
    if not names:
        return [Problem("templates/", None, "no templates (templates/*.md.j2)", "restore templates/brief.md.j2")]
    problems: list[Problem] = []
    compiled = []
    own = passed is None
    passed = passed or _Passed(project, today)
    for name in names:
        if passed.has(passed.static_key("compile " + name)):
            compiled.append(name)
            continue
        try:
            compose.compile_template(root, name)
            compiled.append(name)
            passed.add(passed.static_key("compile " + name))
        except TemplateError as e:
            problems.extend(e.problems)
    langs = i18n.languages(root)
    glyphs = _LazyGlyphs(project)
    for entry in project.topics.values():
        selection = select(project, entry)
        topic_problems = check_topic(project, entry, selection)
        problems.extend(topic_problems)
        if entry.topic.template not in names:
            problems.append(Problem(entry.loc.path, entry.data.lines.get("template"),
                                    f"unknown template '{entry.topic.template}'", f"available: {', '.join(names)}"))
        if topic_problems or entry.topic.template not in names or project.incomplete:
            continue  # (a corpus file that did not load would make every composition fail)
        for name in compiled:
            for lang in langs:
                key = passed.key(entry, selection, name, lang)
                if passed.has(key):
                    continue
                try:
                    _, blocks = document.compose(project, selection, lang, name, None, today, format_references=False)
                    glyphs(entry, lang, blocks)
                    passed.add(key)
                except BriefError as e:  # a template error, or data the template cannot show
                    for p in e.problems:
                        if isinstance(e, TemplateError):
                            p.message += f" (topic {entry.topic.id}, {lang})"
                    problems.extend(e.problems)
    if own:
        passed.save()
    return problems


def check_typst(project: Project, today: datetime.date, passed: "_Passed") -> list[Problem]:
    """The Typst PDF engine writes what `generate --pdf-engine typst` would. When the project's
    engine is Typst (`pdf_engine: typst`), every topic in every template and language is written
    as `generate` would write it; otherwise the style file (templates/styles/pdf.typ) compiles a
    small document of headings, a list and a paragraph. Each passed check is remembered with its
    inputs (`passed`)."""
    from brief import __version__, document, i18n
    from brief import model as m
    from brief.compose import template_names

    root = project.root
    engine = getattr(project.config, "pdf_engine", None) if project.config else None
    if engine != "typst":
        return _typst_style_compiles(root, passed)
    names = template_names(root)
    langs = i18n.languages(root)
    jobs = []
    for entry in sorted(project.topics.values(), key=lambda e: e.topic.id):
        selection = select(project, entry)
        if check_topic(project, entry, selection):
            continue
        jobs += [(entry, selection, name, lang) for name in names for lang in langs]
    problems: list[Problem] = []
    options: dict[str, object] = {}
    for entry, selection, name, lang in jobs:
        base = passed.key(entry, selection, name, lang)
        key = passed.static_key("typst " + base) if base else None
        if passed.has(key):
            continue
        try:
            from brief.writers import get_writer, options_for

            if lang not in options:
                options[lang] = options_for("pdf", root, lang, pdf_engine="typst")
            _, blocks = document.compose(project, selection, lang, name, None, today)
            topic = entry.topic
            meta = m.Meta(title=i18n.pick(topic.title, lang), subtitle=i18n.pick(topic.question, lang), lang=lang,
                          tlp=topic.tlp, topic=topic.id, date=today.isoformat(), version=topic.version,
                          template=name, tool_version=__version__)
            get_writer("pdf", "typst")(m.Document(meta, blocks), options[lang])
            passed.add(key)
        except BriefError as e:
            for p in e.problems:
                if p not in problems:
                    problems.append(p)
            break  # (a broken style file would fail every brief the same way)
    return problems


def _typst_style_compiles(root, passed: "_Passed") -> list[Problem]:
    """Problems of templates/styles/pdf.typ found by writing a small document with it (for a
    project whose briefs reportlab writes: `--pdf-engine typst` may still ask for it)."""
    from brief import i18n
    from brief import model as m

    langs = i18n.languages(root)
    if not langs or not (root / "templates" / "styles" / "pdf.typ").is_file():
        return []  # (asking for the Typst engine then says the file is missing)
    key = passed.static_key("typst style")
    if passed.has(key):
        return []
    from brief.writers import get_writer, options_for

    lang = "en" if "en" in langs else langs[0]
    meta = m.Meta(title="Style check", subtitle="", lang=lang, tlp="TLP:CLEAR", topic="style-check", date="2000-01-01")
    blocks = (m.Heading(1, (m.Str("Style check"),)), m.Heading(2, (m.Str("Section"),)),
              m.Para((m.Str("Text "), m.Strong((m.Str("bold"),)), m.Str(" 中文"))),
              m.BulletList(((m.Para((m.Str("Item"),)),),)), m.Heading(3, (m.Str("Subsection"),)))
    try:
        get_writer("pdf", "typst")(m.Document(meta, blocks), options_for("pdf", root, lang, pdf_engine="typst"))
    except BriefError as e:
        return list(e.problems)
    passed.add(key)
    return []


class _LazyGlyphs:
    """The glyph check, set up on its first use (a run whose compositions all passed before needs
    no fonts)."""

    def __init__(self, project: Project):
        self.project, self.check = project, False

    def __call__(self, entry: TopicEntry, lang: str, blocks) -> None:
        if self.check is False:
            self.check = _glyph_check(self.project)
        if self.check is not None:
            self.check(entry, lang, blocks)


class _Passed:
    """Compositions (topic, template, language) that passed `brief check` before, kept in the
    signed cache with every file they read: the templates, strings and style data, the topic, the
    project config, the stances, the validated content of the folders of every finding the topic
    selects, leaves out or names, and the fonts. A change to any of them composes it again; so does a new day (dates)."""

    def __init__(self, project: Project, today: datetime.date):
        self.project, self.today = project, today
        self.store = Store(project.root, "checks")
        self.ok: dict[str, None] = {}
        self.deps: dict = {}
        self.added = False
        if not self.store.enabled or project.index is None or not project.index.enabled:
            self.store = None
            return
        root = project.root
        self.deps = self.store.snapshot(sorted(p for p in (root / "templates").rglob("*") if p.is_file()))
        self.base = digest(self.deps) + digest(project.file_deps.get("", {})) + _font_identity(root)
        got = self.store.get("passed", "")
        self.ok = dict.fromkeys(got[1]) if got is not None else {}

    def key(self, entry: TopicEntry, selection: Selection, template: str, lang: str) -> str | None:
        if self.store is None or entry.topic.id not in self.project.file_deps:
            return None
        import hashlib

        project = self.project
        folders = composition_folders(project, entry, selection)
        if folders is None:
            return None
        h = hashlib.sha256(f"{self.base}\0{digest(project.file_deps[entry.topic.id])}\0{self.today.isoformat()}\0"
                           f"{template}\0{lang}\0{entry.topic.id}\0{','.join(selection.ids)}\0".encode())
        for f in folders:
            h.update(f"{f}={project.digests[f]}\0".encode())
        return h.hexdigest()

    def static_key(self, what: str) -> str | None:
        """The key of a check that reads only the templates folder (compiling a template, the
        reference document's styles)."""
        if self.store is None:
            return None
        import hashlib

        return hashlib.sha256(f"{self.base}\0{what}".encode()).hexdigest()

    def has(self, key: str | None) -> bool:
        return key is not None and key in self.ok

    def add(self, key: str | None) -> None:
        if key is not None:
            self.ok[key] = None
            self.added = True

    def save(self) -> None:
        """Keep the passed keys (the newest few thousand). A key names all its inputs, so the entry
        itself depends on no file; but if a template changed while this check read it, nothing is kept."""
        if self.store is None or not self.added:
            return
        if self.store.snapshot([self.project.root / rel for rel in self.deps]) != self.deps:
            return
        self.store.put("passed", "", {}, list(self.ok)[-5000:])


def composition_folders(project: Project, entry: TopicEntry, selection: Selection) -> list[str] | None:
    """The seed folders a composition of this topic reads: those of every finding it selects,
    leaves out or names (contradiction partners, ids in the topic file). None when one of them
    has no content digest (it did not load)."""
    ids = set(selection.ids) | {x.finding.id for x in selection.excluded}
    for fid in list(ids):
        ids.update(project.findings[fid].contradicts)
    ids.update(_strings_in(entry.data) & project.findings.keys())
    folders = sorted({project.findings[f].source_id for f in ids if f in project.findings})
    if any(f not in project.digests for f in folders):
        return None
    return folders


def _strings_in(data) -> set[str]:
    """Every string in a loaded YAML value (the finding ids a topic names, wherever it names them)."""
    out: set[str] = set()
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _font_identity(root) -> str:
    """The font files the glyph check would read, with their size and modification time."""
    import os

    from brief import fonts
    from brief.writers.styles import pdf_style

    try:
        spec = pdf_style(root).fonts
        paths = [fonts.find_font(spec.latin.regular, spec.search_dirs, spec.latin.package),
                 fonts.find_font(spec.cjk.regular, spec.search_dirs, spec.cjk.package)]
        return "|".join(f"{p}:{os.stat(p).st_size}:{os.stat(p).st_mtime_ns}" for p in paths)
    except (BriefError, OSError):
        return "no-fonts"


def _glyph_check(project: Project):
    """A check that every character of a composed brief can be drawn by the PDF fonts, as the
    PDF writer will require; None when the style data cannot be loaded (reported elsewhere)."""
    from brief import fonts, i18n
    from brief import model as m
    from brief.writers.styles import pdf_style

    try:
        fs = fonts.coverage(pdf_style(project.root).fonts, project.root / ".brief-cache")
    except BriefError:
        return None

    def check(entry: TopicEntry, lang: str, blocks) -> None:
        t = entry.topic
        meta = m.Meta(title=i18n.pick(t.title, lang), subtitle=i18n.pick(t.question, lang), lang=lang, tlp=t.tlp,
                      topic=t.id, date="")
        try:
            fonts.check(m.labelled_texts(m.Document(meta, blocks)), fs)
        except BriefError as e:  # point at the finding's file and line where the text is a finding's
            for p in e.problems:
                found = re.search(r"finding ([a-z0-9-]+)", p.path or "")
                fe = project.findings.get(found.group(1)) if found else None
                if fe is not None:
                    p.message = f"finding '{fe.finding.id}': {p.message} (in brief '{t.id}', {lang})"
                    p.path, p.line = fe.loc.path, fe.loc.line
                elif (p.path or "").endswith(("): title", "): question")):
                    field = "title" if p.path.endswith("title") else "question"
                    p.message = f"{field}.{lang}: {p.message}"
                    p.path, p.line = entry.loc.path, entry.data.lines.get(field)
            raise

    return check


def _check_charts(project: Project, entry: TopicEntry, selected: set[str]) -> list[Problem]:
    """A topic's charts name selected figure findings, and each plots at least one value."""
    problems = []
    data = entry.data
    ids = set()
    for i, spec in enumerate(entry.topic.charts):
        line = data["charts"].lines[i] if "charts" in data else None
        if spec.id in ids:
            problems.append(Problem(entry.loc.path, line, f"charts: duplicate chart id '{spec.id}'", "give each chart its own id"))
        ids.add(spec.id)
        for fid in spec.findings:
            fe = project.findings.get(fid)
            if fe is None:
                problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': unknown finding '{fid}'", "see `brief findings`"))
            elif fid not in selected:
                problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': finding '{fid}' is not selected by this topic",
                                        "chart findings of the selection, or add it with select.include"))
            elif not fe.finding.figures:
                problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': finding '{fid}' has no figures",
                                        "chart findings of kind figure"))
        if not problems and not figures_of(project, spec):
            problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': no figure has the unit '{spec.unit}'",
                                    "set unit to the English unit of the figures to plot"))
    return problems


def check_topic(project: Project, entry: TopicEntry, selection: Selection) -> list[Problem]:
    """Cross-file checks of one topic: what it names exists, the selector selects, what it cites
    and charts is selected, numbers are in the cited quotes, judgments follow ICD 203, the CSL
    style loads."""
    t = entry.topic
    data = entry.data
    shown = entry.loc.path
    problems: list[Problem] = []
    # References to findings or sources that do not exist. When a source or findings file did not
    # load, they are follow-on errors of that file's own problem, which is reported instead.
    unknown: list[Problem] = []
    sel_data = data.get("select", {})
    for field in ("sources", "exclude_sources"):
        for i, sid in enumerate(getattr(t.select, field) or []):
            if sid not in project.sources:
                close = difflib.get_close_matches(sid, sorted(project.sources), n=1)
                unknown.append(Problem(shown, sel_data[field].lines[i], f"select.{field}: unknown source '{sid}'",
                                        f"did you mean '{close[0]}'?" if close else "see `brief sources`"))
    for field in ("include", "exclude"):
        for i, fid in enumerate(getattr(t.select, field)):
            if fid not in project.findings:
                unknown.append(Problem(shown, sel_data[field].lines[i], f"select.{field}: unknown finding '{fid}'",
                                        _closest_finding(project, fid)))
    positions = {p for a in project.stances.axes.values() for p in a.positions}
    for i, st in enumerate(t.select.stances or []):
        if st not in positions:
            problems.append(Problem(shown, sel_data["stances"].lines[i], f"select.stances: unknown stance '{st}'",
                                    f"known stances: {', '.join(sorted(positions))}"))
    if not selection.findings:
        if not project.incomplete:
            problems.append(Problem(shown, data.lines.get("select"), f"topic '{t.id}': the selector selects no findings",
                                    "widen select.topics, or check the tags on the findings"))
        return problems + _unless_follow_on(project, unknown)
    chosen = set(selection.ids)
    for field in ("bottom_line", "key_judgments"):
        items = data.get(field) or []
        for i, sentence in enumerate(getattr(t, field)):
            for j, fid in enumerate(sentence.cites):
                line = items[i]["cites"].lines[j] if i < len(items) and "cites" in items[i] else data.lines.get(field)
                if fid not in project.findings:
                    unknown.append(Problem(shown, line, f"{field}[{i + 1}] cites unknown finding '{fid}'",
                                            _closest_finding(project, fid)))
                elif fid not in chosen:
                    why = grade_reason(project, t.select, project.findings[fid])
                    if why:
                        problems.append(Problem(shown, line, f"{field}[{i + 1}] cites '{fid}', which the topic's grade threshold leaves out ({why})",
                                                "cite a finding that meets the threshold, or relax min_reliability/max_credibility"))
                    else:
                        problems.append(Problem(shown, line, f"{field}[{i + 1}] cites '{fid}', which this topic does not select",
                                                "cite a selected finding, or add it with select.include"))
            if project.incomplete and any(f not in project.findings for f in sentence.cites):
                continue  # a cited finding's file did not load: its quote cannot be read
            quotes = " ".join(project.findings[f].finding.quote for f in sentence.cites if f in project.findings)
            for lang in ("en", "zh"):
                miss = project.missing_numbers(getattr(sentence, lang), quotes)
                if miss:
                    line = items[i].lines.get(lang) if i < len(items) else data.lines.get(field)
                    problems.append(Problem(shown, line, f"{field}[{i + 1}].{lang}: number(s) {', '.join(miss)} appear in no cited finding's quote",
                                            "cite the finding whose quote gives the number, or drop the number"))
    if t.charts:
        problems.extend(p for p in _check_charts(project, entry, chosen)
                        if not (project.incomplete and "unknown finding" in p.message))
    for i, sentence in enumerate(t.key_judgments):
        items = data.get("key_judgments") or []
        for lang in ("en", "zh"):
            for msg in judgment_problems(getattr(sentence, lang), lang):
                line = items[i].lines.get(lang) if i < len(items) else data.lines.get("key_judgments")
                problems.append(Problem(shown, line, f"key_judgments[{i + 1}].{lang} {msg}",
                                        "ICD 203: say how likely, and give confidence in a separate sentence"))
    if t.csl:
        from brief.cite import load_style

        try:
            load_style(project.root, t.csl, "en-US")
        except InputError as e:
            problems.extend(Problem(shown, data.lines.get("csl"), p.message + f" ({t.csl})", p.hint) for p in e.problems)
    for i, fid in enumerate(t.key_findings or []):
        if fid not in chosen:
            line = data["key_findings"].lines[i]
            if fid not in project.findings:
                unknown.append(Problem(shown, line, f"key_findings: unknown finding '{fid}'", _closest_finding(project, fid)))
            elif grade_reason(project, t.select, project.findings[fid]):
                problems.append(Problem(shown, line, f"key_findings: '{fid}' is left out by the topic's grade threshold "
                                        f"({grade_reason(project, t.select, project.findings[fid])})",
                                        "choose a finding that meets the threshold"))
            else:
                problems.append(Problem(shown, line, f"key_findings: '{fid}' is not selected by this topic",
                                        "choose a selected finding, or add it with select.include"))
    return problems + _unless_follow_on(project, unknown)


def _unless_follow_on(project: Project, unknown: list[Problem]) -> list[Problem]:
    """Problems about findings or sources that do not exist, unless a file did not load (they
    then only follow from it: counted, not reported)."""
    if project.incomplete:
        project.follow_on += len(unknown)
        return []
    return unknown


def _closest_finding(project: Project, fid: str) -> str:
    close = difflib.get_close_matches(fid, list(project.findings), n=1)
    return f"did you mean '{close[0]}'?" if close else "see `brief findings`"
