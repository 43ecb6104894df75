"""`brief serve` without a browser: what it answers over HTTP (and what it refuses), a port in use,
Ctrl-C, and that the problems it shows in the page are text, never markup.

On the fixture project (tests/fixtures/project); the real-browser checks are in test_browser.py."""

from __future__ import annotations

import http.client
import re
import socket
import urllib.parse

import pytest

from browser_driver import Served
from conftest import ZH_TOPIC


def get(url: str, path: str, *, method: str = "GET", host: str | None = None) -> tuple[int, dict, bytes]:
    """One raw request (no client-side clean-up of the path), e.g. a path with `..` in it."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True)
        conn.putheader("Host", host or parts.netloc)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from helpers import copy_project

    project = copy_project(tmp_path_factory.mktemp("serve") / "project")
    s = Served(project, "--topic", ZH_TOPIC)
    s.wait_for(r"^wrote ")  # the page, then the DOCX and PDF
    yield s
    s.close()


def test_serves_the_brief_and_its_files_on_loopback_only(served):
    assert served.url.startswith("http://127.0.0.1:")
    code, headers, body = get(served.url, "/")
    assert code == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert f"/files/{ZH_TOPIC}.en.docx" in page and f"/files/{ZH_TOPIC}.en.pdf" in page
    policy = headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert not re.search(r"http-equiv=.?content-security-policy", page, re.I), \
        "a <meta> policy of the page would forbid the preview's script"
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts), "the page runs only the preview's own script"
    assert not re.search(r"<script[^>]+src=", page), "no script from elsewhere"
    code, headers, body = get(served.url, f"/files/{ZH_TOPIC}.en.pdf")
    assert code == 200 and headers["content-type"] == "application/pdf" and body.startswith(b"%PDF-")
    code, _, body = get(served.url, f"/files/{ZH_TOPIC}.en.docx")
    assert code == 200 and body.startswith(b"PK")
    code, headers, body = get(served.url, "/state")
    assert code == 200 and headers["content-type"].startswith("application/json")
    # bound to loopback: nothing answers on this machine's other addresses
    port = int(urllib.parse.urlsplit(served.url).port)
    with socket.socket() as s:
        s.settimeout(2)
        others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        for addr in others - {"127.0.0.1"}:
            assert s.connect_ex((addr, port)) != 0, f"brief serve answers on {addr}"


@pytest.mark.parametrize("path", ["/files/../brief.yaml", "/files/..%2fbrief.yaml", "/../brief.yaml",
                                  "/files/%2e%2e/%2e%2e/brief.yaml", f"/files/{ZH_TOPIC}.en.manifest.json",
                                  "/brief.yaml", "//etc/passwd", "/files/"])
def test_answers_nothing_but_its_own_paths(served, path):
    code, _, body = get(served.url, path)
    assert code == 404, (path, body[:200])


def test_refuses_other_hosts_and_methods(served):
    assert get(served.url, "/", host="attacker.example:80")[0] == 421  # a DNS-rebinding page
    assert get(served.url, "/", host="localhost:1")[0] == 421
    port = urllib.parse.urlsplit(served.url).port
    assert get(served.url, "/", host=f"localhost:{port}")[0] == 200
    for method in ("POST", "PUT", "DELETE"):
        assert get(served.url, "/", method=method)[0] == 501


def test_a_port_in_use_is_a_clear_error(sample_project, run_brief):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_brief("--project", sample_project, "serve", "--topic", ZH_TOPIC, "--port", port, timeout=60)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert re.search(rf"^error: .*port {port}\b.*in use", r.stderr, re.M), r.stderr


def test_an_unknown_topic_stops_at_once(sample_project, run_brief):
    r = run_brief("--project", sample_project, "serve", "--topic", "no-such-topic", "--port", "0", timeout=60)
    assert r.returncode == 1 and "unknown topic 'no-such-topic'" in r.stderr and "Traceback" not in r.stderr


def test_ctrl_c_stops_it_cleanly(sample_project):
    s = Served(sample_project, "--topic", ZH_TOPIC)
    try:
        s.wait_for(r"^watching ")
        code = s.interrupt()
    finally:
        s.close()
    assert code == 0, s.errors
    assert not [line for line in s.errors if line.strip()], f"stderr after Ctrl-C: {''.join(s.errors)}"
    assert s.lines[-1].strip() == "stopped"
    with socket.socket() as c:
        assert c.connect_ex(("127.0.0.1", urllib.parse.urlsplit(s.url).port)) != 0, "the port is still open"


def test_problems_in_the_page_are_text_not_markup(tmp_path):
    from brief.serve import Preview

    p = Preview(ZH_TOPIC, "en", tmp_path)
    p.publish(b"<!DOCTYPE html><html lang='en'><head><title>x</title></head><body><p>good</p></body></html>")
    evil = "templates/brief.md.j2:3: unexpected '<img src=x onerror=alert(1)>' </pre><script>alert(2)</script>"
    p.fail([evil])
    page = p.render()[0].decode()
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<p>good</p>" in page, "the last good brief stays"
    assert p.state()["errors"] == [evil]  # (the page's script sets it as text)
