"""`brief serve`: a live preview of one brief in the browser, on 127.0.0.1 only.

The HTML writer's page is served as it is, with one addition made here (never by the writer): a
small inline script that asks `/state` a few times a second and reloads the page when a new build
is ready, a box with the problems of the last edit (the page keeps the last good brief), and links
to the DOCX and PDF of that brief, built in the background into a private directory. Inputs are
watched with the loop of `brief watch` (watch.watch_inputs).

Only GET (and HEAD) of four known paths is answered; a request whose Host is not this server's
own address is refused (so a web page cannot reach it through DNS rebinding).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import signal
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

HOST = "127.0.0.1"
POLL_MS = 250
FILE_FORMATS = ("docx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class Preview:
    """What the server shows, shared by the builder and the request threads: the last good page,
    its version, the problems of the last build, and which version the DOCX and PDF are of."""

    def __init__(self, topic: str, lang: str, out_dir: Path):
        self.topic, self.lang, self.out_dir = topic, lang, out_dir
        self._lock = threading.Lock()
        self.page: bytes | None = None
        self.version = 0
        self.errors: list[str] = []
        self.file_errors: list[str] = []
        self.files_version = 0
        self.nonce = secrets.token_urlsafe(16)

    def file_name(self, fmt: str) -> str:
        return f"{self.topic}.{self.lang}.{fmt}"

    def publish(self, page: bytes) -> int:
        """A good build: show it (a new version only when the page changed); clear the problems."""
        with self._lock:
            if page != self.page:
                self.page = page
                self.version += 1
            self.errors = []
            return self.version

    def fail(self, errors: list[str]) -> None:
        with self._lock:
            self.errors = list(errors)

    def files_built(self, version: int, errors: list[str]) -> None:
        with self._lock:
            self.file_errors = list(errors)
            if not errors:
                self.files_version = max(self.files_version, version)

    def state(self) -> dict:
        with self._lock:
            return {"version": self.version, "errors": self.errors + self.file_errors,
                    "files": self._files_note()}

    def _files_note(self) -> str:
        if self.files_version == 0:
            return "(building…)"
        return "" if self.files_version >= self.version else "(updating…)"

    def render(self) -> tuple[bytes, str]:
        """The page to send, the last good brief (or a placeholder) with the preview's additions,
        and its Content-Security-Policy: the page's own, which also lets the preview's script run
        and ask this server for the state."""
        with self._lock:
            page, version, errors, note = self.page, self.version, self.errors + self.file_errors, self._files_note()
        if page is None:
            page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
                    f'content="width=device-width, initial-scale=1"><title>brief serve: {html.escape(self.topic)}'
                    f'</title></head><body><main><h1>{html.escape(self.topic)}</h1><p>No good build yet.</p>'
                    f'</main></body></html>\n').encode()
        page, policy = take_policy(page)
        return inject(page, self._additions(version, errors, note)), with_preview(policy, self.nonce)

    def _additions(self, version: int, errors: list[str], note: str) -> str:
        links = " · ".join(f'<a href="/files/{quote(self.file_name(fmt))}">{fmt.upper()}</a>' for fmt in FILE_FORMATS)
        hidden = "" if errors else " hidden"
        lines = html.escape("\n".join(errors))
        return (
            f'<div id="brief-serve" lang="en">'
            f'<p id="brief-serve-bar">Live preview of {html.escape(self.file_name("html"))}: {links} '
            f'<span id="brief-serve-files">{html.escape(note)}</span></p>'
            f'<div id="brief-serve-error" role="alert"{hidden}><p>This edit did not build; the page shows the '
            f'last good brief.</p><pre>{lines}</pre></div></div>'
            f'<style nonce="{self.nonce}">{_CSS}</style>'
            f'<script nonce="{self.nonce}">{_SCRIPT.replace("VERSION", str(int(version)))}</script>'
        )


_CSS = (
    "#brief-serve{font:14px/1.4 sans-serif;color:#1A1A1A}"
    "#brief-serve-bar{margin:0;padding:6px 12px;background:#F2F4F7;border-bottom:1px solid #B8C2CC;"
    "overflow-wrap:anywhere}"
    "#brief-serve-bar a{color:#1F4E8C}"
    "#brief-serve-error{position:fixed;left:0;right:0;bottom:0;z-index:10;max-height:45vh;overflow:auto;"
    "margin:0;padding:8px 12px;background:#FFF1F0;color:#7A1010;border-top:3px solid #B42318}"
    "#brief-serve-error[hidden]{display:none}"
    "#brief-serve-error p{margin:0 0 4px;font-weight:bold}"
    "#brief-serve-error pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.4 monospace}"
)

# Asks /state; reloads on a new version, else shows the problems (as text, never as markup).
_SCRIPT = """(function () {
  var version = VERSION;
  var box = document.getElementById("brief-serve-error");
  var pre = box.querySelector("pre");
  var files = document.getElementById("brief-serve-files");
  function tick() {
    fetch("/state", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== version) { location.reload(); return; }
      var text = s.errors.join("\\n");
      if (pre.textContent !== text) { pre.textContent = text; }
      box.hidden = !text;
      files.textContent = s.files;
      setTimeout(tick, POLL);
    }, function () {
      files.textContent = "(the preview server has stopped)";
      setTimeout(tick, 1000);
    });
  }
  setTimeout(tick, POLL);
})();""".replace("POLL", str(POLL_MS))

_BODY = re.compile(rb"<body\b[^>]*>", re.I)
_POLICY = re.compile(rb"""<meta\s+http-equiv=["']?content-security-policy["']?\s+content=(["'])(.*?)\1\s*/?>""", re.I | re.S)
# For a page that states no policy of its own (the HTML writer's pages do).
DEFAULT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def take_policy(page: bytes) -> tuple[bytes, str]:
    """The page without its Content-Security-Policy <meta>, and that policy. (Both a <meta>
    policy and a header one would apply, and the page's forbids every script.)"""
    m = _POLICY.search(page)
    if not m:
        return page, DEFAULT_POLICY
    return page[:m.start()] + page[m.end():], html.unescape(m.group(2).decode())


def with_preview(policy: str, nonce: str) -> str:
    """`policy` with the preview's own changes: its one script (by nonce) may run and fetch /state
    from this server; nothing may frame the page. Every other directive stays as the page has it."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    ours = {"script-src": f"'nonce-{nonce}'", "connect-src": "'self'", "frame-ancestors": "'none'"}
    kept = [d for d in directives if d.split()[0].lower() not in ours]
    return "; ".join(kept + [f"{k} {v}" for k, v in ours.items()])


def inject(page: bytes, additions: str) -> bytes:
    """`page` with `additions` placed first in its body."""
    m = _BODY.search(page)
    at = m.end() if m else len(page)
    return page[:at] + additions.encode() + page[at:]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, preview: Preview, echo: Callable[[str], None]):
        super().__init__((HOST, port), _Handler)
        self.preview, self.echo = preview, echo
        port = self.server_address[1]
        self.hosts = {f"{HOST}:{port}", f"localhost:{port}"}

    def handle_error(self, request, client_address) -> None:
        import sys

        from brief.errors import bug, for_terminal

        e = sys.exc_info()[1]
        if not isinstance(e, (ConnectionError, TimeoutError)):  # (a browser that went away is no news)
            self.echo(for_terminal(bug(e)))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet: the page asks several times a second
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        preview = self.server.preview
        if self.headers.get("Host", "").lower() not in self.server.hosts:
            return self._send(421, "text/plain; charset=utf-8", b"this server answers only to its own address\n", head)
        path = urlsplit(self.path).path
        if path == "/":
            page, policy = preview.render()
            return self._send(200, "text/html; charset=utf-8", page, head, {"Content-Security-Policy": policy})
        if path == "/state":
            body = json.dumps(preview.state(), ensure_ascii=False).encode()
            return self._send(200, "application/json; charset=utf-8", body, head)
        for fmt in FILE_FORMATS:
            name = preview.file_name(fmt)
            if path == f"/files/{quote(name)}":
                try:
                    data = (preview.out_dir / name).read_bytes()
                except OSError:
                    return self._send(404, "text/plain; charset=utf-8", f"{name} is not built yet\n".encode(), head)
                how = "inline" if fmt == "pdf" else "attachment"
                return self._send(200, CONTENT_TYPES[fmt], data, head,
                                  {"Content-Disposition": f"{how}; filename*=UTF-8''{quote(name)}"})
        self._send(404, "text/plain; charset=utf-8", b"not found\n", head)

    def _send(self, code: int, ctype: str, body: bytes, head: bool, extra: dict | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _FileBuilder(threading.Thread):
    """Writes the DOCX and PDF of the newest good document, one build at a time, in the background
    (the page does not wait for them); a build asked for while one runs replaces any waiting one."""

    def __init__(self, root: Path, preview: Preview, echo: Callable[[str], None]):
        super().__init__(name="brief-serve-files", daemon=True)
        self.root, self.preview, self.echo = root, preview, echo
        self._cond = threading.Condition()
        self._job = None
        self._stopped = False

    def submit(self, version: int, document) -> None:
        with self._cond:
            self._job = (version, document)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def run(self) -> None:
        from brief.build import render_formats
        from brief.errors import BriefError, bug, for_terminal
        from brief.outputs import write_set

        while True:
            with self._cond:
                while self._job is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                (version, document), self._job = self._job, None
            start = time.perf_counter()
            names = [self.preview.file_name(fmt) for fmt in FILE_FORMATS]
            try:
                datas = render_formats(document, self.root, FILE_FORMATS)
                with self._cond:
                    if self._stopped:  # (stopped while it built: write nothing, say nothing after "stopped")
                        return
                    write_set([(self.preview.out_dir / n, d, 0o644) for n, d in zip(names, datas)])
            except BriefError as e:
                errors = [for_terminal(p) for p in e.problems]
            except Exception as e:  # noqa: BLE001 - a bug must not stop the preview
                errors = [for_terminal(bug(e))]
            else:
                errors = []
            with self._cond:
                if self._stopped:
                    return
            if not errors:
                self.echo(f"wrote {', '.join(names)} in {time.perf_counter() - start:.2f} s")
            for line in errors:
                self.echo(line)
            self.preview.files_built(version, errors)


def open_server(port: int, preview: Preview, echo: Callable[[str], None]) -> _Server:
    """Bind the server to 127.0.0.1:`port` (0: a free port); a port in use is a clear error."""
    import errno

    from brief.errors import BriefError, Problem

    try:
        return _Server(port, preview, echo)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise BriefError(Problem(None, None, f"port {port} on {HOST} is in use",
                                     "stop what uses it, or choose another with --port (--port 0 picks a free one)"))
        raise BriefError(Problem(None, None, f"cannot listen on {HOST}:{port}: {e.strerror or e}",
                                 "choose another port with --port (--port 0 picks a free one)"))


def serve(root: Path, topic: str, *, lang: str, template: str | None, port: int, out_dir: Path | None,
          echo: Callable[[str], None], stop_event=None) -> None:
    """Serve the live preview until Ctrl-C (or `stop_event`): rebuild on every change of an input,
    keep the last good page on a bad edit. The DOCX and PDF go to `out_dir` (default: a temporary
    directory, removed at the end)."""
    import shutil
    import tempfile

    from brief.build import build_date, compose_document, prewarm, render_formats
    from brief.check import preflight
    from brief.corpus.load import load_project
    from brief.errors import BriefError, bug, for_terminal
    from brief.outputs import check_out_dir
    from brief.watch import watch_inputs

    _check_topic_and_language(root, topic, lang)
    own_dir = out_dir is None
    if own_dir:
        out_dir = Path(tempfile.mkdtemp(prefix="brief-serve-"))
    else:
        check_out_dir(out_dir)
    preview = Preview(topic, lang, out_dir)
    try:
        server = open_server(port, preview, echo)
    except BaseException:
        if own_dir:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    prewarm(root, FILE_FORMATS)  # (forks the writer worker now, before any thread starts)
    files = _FileBuilder(root, preview, echo)
    http = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="brief-serve-http",
                            daemon=True)

    def rebuild() -> None:
        start = time.perf_counter()
        try:
            project = load_project(root)
            selection = preflight(project, [topic], lang=lang, template=template)[topic]
            built = compose_document(project, topic, lang, template, date=build_date(), selection=selection)
            [page] = render_formats(built.document, root, ("html",))
        except BriefError as e:
            errors = [for_terminal(p) for p in e.problems]
        except Exception as e:  # noqa: BLE001 - a bug must never stop the preview either
            errors = [for_terminal(bug(e))]
        else:
            version = preview.publish(page)
            echo(f"rendered {preview.file_name('html')} in {time.perf_counter() - start:.2f} s")
            files.submit(version, built.document)
            return
        preview.fail(errors)
        for line in errors:
            echo(line)
        echo("serving the last good brief; watching for changes")

    previous_term = _stop_on_sigterm()
    try:
        files.start()
        http.start()
        echo(f"serving http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops)")
        watch_inputs(root, rebuild, out_dir=out_dir, echo=echo, stop_event=stop_event)
    except KeyboardInterrupt:
        pass
    finally:
        files.stop()  # (after this it writes nothing more, so the directory can go)
        if http.is_alive():
            server.shutdown()
        server.server_close()
        if own_dir:
            shutil.rmtree(out_dir, ignore_errors=True)
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
    echo("stopped")


def _check_topic_and_language(root: Path, topic: str, lang: str) -> None:
    """An unknown topic or language stops `serve` at once (a bad edit later does not)."""
    from brief import i18n
    from brief.corpus.load import load_project
    from brief.errors import InputError, Problem
    from brief.select import get_topic

    known = i18n.languages(root)
    if lang not in known:
        raise InputError(Problem(None, None, f"unknown language '{lang}'", f"available: {', '.join(known)}"))
    get_topic(load_project(root), topic)


def _stop_on_sigterm():
    """In the main thread, SIGTERM stops the preview as Ctrl-C does (the temporary files go too).
    Returns the handler it replaced, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)
