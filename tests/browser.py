"""Headless Chromium for the browser tests and the screenshot script.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON messages,
each ended by a NUL byte, in on fd 3 and out on fd 4), so it needs no port and no websocket client.
Pages are served by a local `http.server`; other hosts do not resolve, which keeps the checks
offline, and failures to load from them are not reported.
"""

import base64
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_HINT = "install it with `apt-get install --no-install-recommends chromium` (Debian package)"

# Run in the page once it has loaded: images that did not load, every link, traceback text, raw
# TeX in the visible text, images without real alt text, and tables/figures wider than their column.
INSPECT = r"""(async () => {
  WIDE_HELPERS
  const images = [...document.images];
  images.forEach(img => { img.loading = "eager"; });
  const settled = img => new Promise(done => {
    img.addEventListener("load", done); img.addEventListener("error", done);
  });
  await Promise.race([
    Promise.all(images.filter(img => !img.complete).map(settled)),
    new Promise(done => setTimeout(done, 5000)),
  ]);
  await new Promise(done => setTimeout(done, 100));  // late errors from deferred scripts
  const block = document.querySelector(".output.error, .output.traceback, .highlight-ipythontb");
  const text = document.body ? document.body.textContent : "";
  const at = text.indexOf("Traceback (most recent call last)");
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await Promise.race([MathJax.startup.promise, new Promise(done => setTimeout(done, 5000))]);
  }
  // Visible text outside code and typeset maths: raw TeX left there was never typeset.
  const skip = "pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body || document, NodeFilter.SHOW_TEXT);
  const visible = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !parent.closest(skip) && parent.checkVisibility()) {
      visible.push(walker.currentNode.textContent);
    }
  }
  const tex = visible.join(" ").match(/\$\$|\\\(|\\\[|\$[^$\s][^$]{0,80}?\$/);
  // Images whose alt text is missing, empty, or a file path.
  const pathLike = alt => alt === "" || /^\S+\.(png|jpe?g|gif|svg|webp)$/i.test(alt) ||
    /^[^\s]*\/[^\s]*$/.test(alt);
  const alts = images.filter(img => pathLike((img.getAttribute("alt") || "").trim()))
    .map(img => [img.getAttribute("src"), img.getAttribute("alt")]);
  // Paragraphs that announce a table ("the table below", "the claim card below") with none after.
  const announce = /\b(?:the|this|these)\s+(?:claim\s+)?(?:card|table|checks|targets)s?\s+below\b/i;
  const tables = [...document.querySelectorAll("table")].filter(t => t.checkVisibility());
  const after = (el, other) => el.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING;
  const promised = [...document.querySelectorAll("p, li, dd")]
    .filter(el => el.checkVisibility() && !el.closest("pre, .highlight, table"))
    .filter(el => announce.test(el.textContent))
    .filter(el => !tables.some(t => after(el, t)))
    .map(el => el.textContent.match(announce)[0] + ": " + el.textContent.trim().slice(0, 60));
  return {
    promised: promised,
    images: images.filter(img => !img.complete || img.naturalWidth === 0)
      .map(img => img.getAttribute("src")),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    traceback: block ? block.textContent : at >= 0 ? text.slice(at) : null,
    tex: tex ? tex[0] : null,
    alts: alts,
    wide: wideOnes(),
  };
})()"""

# Tables, figures and images wider than the column they sit in (run at the page's normal width).
WIDE = r"""const wideOnes = () => {
  const column = document.querySelector(".bd-article, article, main") || document.body;
  const room = column.clientWidth;
  const wide = [...column.querySelectorAll("table, figure, img")]
    .filter(el => el.checkVisibility() && !el.closest("pre, .highlight"))
    .filter(el => Math.max(el.scrollWidth, el.getBoundingClientRect().width) > room + 2)
    .map(el => `${describe(el)} (${Math.round(el.scrollWidth)} px in ${room} px)`);
  // A table narrower than the article can still be cut off by the output box it sits in, which
  // then scrolls: any box outside code and maths whose content is wider than it is, is too.
  const scrolls = [...column.querySelectorAll("*")]
    .filter(el => el.checkVisibility() && !el.closest("pre, .highlight, mjx-container, .math"))
    .filter(el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
    .filter(el => el.scrollWidth > el.clientWidth + 2)
    .map(el => `${describe(el)} (scrolls: ${el.scrollWidth} px in ${el.clientWidth} px)`);
  return [...wide, ...scrolls];
};
const describe = el => {
  const name = el.tagName.toLowerCase();
  const id = el.id ? `#${el.id}` : "";
  const src = el.getAttribute("src");
  const text = src || (el.textContent || "").trim().split(/\s+/).slice(0, 6).join(" ");
  return `<${name}${id}> ${text}`.trim();
};
"""

# At a phone's width: what makes the page scroll sideways, outside code blocks and maths.
SIDEWAYS = r"""(() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const exempt = "pre, code, .highlight, mjx-container, .math";
  const over = el => el.getBoundingClientRect().right > width + 1;
  const clips = el => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const clipped = el => {  // inside a box that scrolls or clips it: the page does not widen
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (clips(a)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter(el => over(el) && !el.closest(exempt) && !clipped(el))
    .filter(el => el.checkVisibility({visibilityProperty: true}))
    .filter(el => getComputedStyle(el).position !== "fixed")  // drawers parked off-screen
    .filter(el => !over(el.parentElement) || el.parentElement === document.body)
    .slice(0, 3)
    .map(el => {
      const name = el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
        ? "." + el.className.trim().split(/\s+/).join(".") : "");
      return `<${name}> ${(el.textContent || el.getAttribute("src") || "").trim().slice(0, 60)}`;
    });
})()"""


INSPECT = INSPECT.replace("WIDE_HELPERS", WIDE)
NARROW = 400  # px: a phone


def ensure_chromium():
    """The path to `chromium`, installing the Debian package with apt-get if it is missing."""
    if path := shutil.which("chromium"):
        return path
    log = ""
    if shutil.which("apt-get"):
        install = ("install", "-y", "--no-install-recommends", "chromium")
        if (result := _apt(*install)).returncode != 0:
            _apt("update")
            result = _apt(*install)
        log = result.stdout[-1500:] + result.stderr[-1500:]
    if path := shutil.which("chromium"):
        return path
    raise RuntimeError(
        f"headless Chromium is needed and was not installed: {INSTALL_HINT}\n{log}".strip()
    )


def _apt(*args):
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(root):
    """Serve the folder `root` on a free localhost port; yields its base URL, ending in '/'."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def redirect(page):
    """The target of a page that only forwards the browser (``<meta http-equiv="Refresh">``, as
    Jupyter Book's index.html does), else None. Opening one in the tab races its navigation."""
    text = Path(page).read_text(errors="replace")
    match = re.search(r'http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', text, re.I)
    return match.group(1) if match and len(text) < 1000 else None


def site_pages(root):
    """Every HTML page under `root`, as paths relative to it, leaving out _static and the like."""
    pages = (p.relative_to(root) for p in Path(root).rglob("*.html"))
    return sorted(p.as_posix() for p in pages if not any(s.startswith("_") for s in p.parts))


class Browser:
    """One headless Chromium with one tab; `with Browser() as b: b.problems(url)`."""

    def __init__(self, executable=None, width=1280, height=800, timeout=30):
        self.timeout = timeout
        self.size = (width, height)
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-")
        self._stderr = open(Path(self._profile.name) / "stderr.log", "w+")
        command = [
            executable or ensure_chromium(), *FLAGS, "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}", "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank",
        ]  # fmt: skip
        # The shell hands our stdin/stdout pipes to Chromium as fds 3 and 4.
        self._proc = subprocess.Popen(
            ["sh", "-c", 'exec "$@" 3<&0 4>&1 </dev/null >&2', "sh", *command],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
        )  # fmt: skip
        self._ids = itertools.count(1)
        self._inbox = queue.Queue()
        self.events = []
        threading.Thread(target=self._read, daemon=True).start()
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
            self._session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable", session=self._session)
            self.resize(width, height)
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self):
        buffer = b""
        while chunk := self._proc.stdout.read1(1 << 16):
            *messages, buffer = (buffer + chunk).split(b"\0")
            for message in messages:
                self._inbox.put(json.loads(message))
        self._inbox.put(None)

    def _next(self, deadline):
        try:
            message = self._inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"Chromium did not answer in {self.timeout} s") from None
        if message is None:
            self._stderr.seek(0)
            raise RuntimeError(f"Chromium exited:\n{self._stderr.read()[-3000:]}")
        return message

    def call(self, method, session=None, **params):
        """Send one command and wait for its result; events that arrive meanwhile are kept."""
        id_ = next(self._ids)
        message = {"id": id_, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._proc.stdin.write(json.dumps(message).encode() + b"\0")
        self._proc.stdin.flush()
        deadline = time.monotonic() + self.timeout
        while (reply := self._next(deadline)).get("id") != id_:
            if "method" in reply:
                self.events.append(reply)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply["result"]

    def page(self, method, **params):
        """A command to the tab."""
        return self.call(method, session=self._session, **params)

    def evaluate(self, expression):
        """The value of a JavaScript expression in the tab, promises awaited."""
        result = self.page(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate: {result['exceptionDetails']['text']}")
        return result["result"].get("value")

    def resize(self, width, height):
        self.page(
            "Emulation.setDeviceMetricsOverride",
            width=width, height=height, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip

    def open(self, url):
        """Load `url` in the tab and wait for its load event; `events` then holds its events."""
        self.events = []
        navigated = self.page("Page.navigate", url=url)
        if navigated.get("errorText"):
            raise RuntimeError(f"{url}: {navigated['errorText']}")
        deadline = time.monotonic() + self.timeout
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            message = self._next(deadline)
            if "method" in message:
                self.events.append(message)

    def problems(self, url):
        """Load `url`; its errors as text, and the absolute URLs it links to."""
        self.open(url)
        found = self.evaluate(INSPECT)
        problems = [f"image did not load: {src}" for src in found["images"]]
        if found["traceback"]:
            problems.append(f"traceback in the page: {' '.join(found['traceback'].split())[:300]}")
        if found["tex"]:
            problems.append(f"raw TeX in the page: {found['tex']}")
        for src, alt in found["alts"]:
            what = "is a file path" if alt else "is missing"
            problems.append(f"image alt text {what}: {src}" + (f" (alt={alt!r})" if alt else ""))
        problems += [f"wider than its column at {self.size[0]} px: {w}" for w in found["wide"]]
        problems += [f"announces a table that is not there: {p}" for p in found["promised"]]
        problems += _errors(self.events, url)
        width, height = self.size
        self.resize(NARROW, height)
        try:
            self.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(done, 50)))")
            sideways = self.evaluate(SIDEWAYS)
        finally:
            self.resize(width, height)
        problems += [f"scrolls sideways at {NARROW} px: {culprit}" for culprit in sideways]
        return problems, found["links"]

    def screenshot(self, url, path, max_height=16384):
        """A PNG of the page at `url`, the full width of the window and the page's full height."""
        width, height = self.size
        self.open(url)
        full = self.evaluate("document.documentElement.scrollHeight")
        self.resize(width, min(max(full, height), max_height))
        self.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(done, 200)))")
        data = self.page("Page.captureScreenshot", format="png")["data"]
        self.resize(width, height)
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        if self._proc.poll() is None:
            try:
                self.timeout = 5
                self.call("Browser.close")
                self._proc.wait(timeout=10)
            except Exception:
                self._proc.kill()
                self._proc.wait()
        self._stderr.close()
        self._profile.cleanup()


def _errors(events, url):
    """JavaScript errors, console.error calls and failed local loads among a page's events."""
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details["text"]
            errors.append(f"JavaScript error: {text.splitlines()[0]}")
        elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
            args = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
            errors.append(f"console.error: {' '.join(args)[:300]}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry, where = params["entry"], params["entry"].get("url", "")
            # Other hosts are not reached; Chromium asks for /favicon.ico by itself.
            if not where or where.startswith(origin) and not where.endswith("/favicon.ico"):
                where = where.removeprefix(origin)
                errors.append(f"{entry['source']} error: {entry['text']} {where}".rstrip())
    return errors


def check_site(root, pages=None, browser=None, ignore=()):
    """Open each page (default: every page) of the site in `root`; one line per problem found.

    A problem is an image that did not load, a link to a local file that does not exist, a
    paragraph that announces a table ("the table below", "the claim card below") with no table
    after it, a
    Python traceback in the page, a JavaScript error (uncaught, console.error, failed load), raw
    TeX in the visible text (maths MathJax did not typeset), an image whose alt text is missing,
    empty or a file path, a table, figure or image wider than its column at the browser's width
    (1280 px), or anything outside code blocks and maths that makes the page scroll sideways at
    400 px.
    Problems that contain one of the strings in `ignore` are left out.
    """
    root = Path(root)
    pages = site_pages(root) if pages is None else pages
    exists = {}
    report = []
    with serve(root) as base, nullcontext(browser) if browser else Browser() as chromium:
        for page in pages:
            if target := redirect(root / page):  # a page that only forwards: check its target
                problems, links = [], [urljoin(base + page, target)]
            else:
                problems, links = chromium.problems(base + page)
            for link in dict.fromkeys(links):
                if link.startswith(base):
                    target = unquote(urlsplit(link).path).lstrip("/")
                    if target not in exists:
                        file = root / target
                        exists[target] = (file / "index.html" if file.is_dir() else file).is_file()
                    if not exists[target]:
                        problems.append(f"broken link: {link.removeprefix(base)}")
            problems = [p for p in problems if not any(known in p for known in ignore)]
            report += [f"{page}: {problem}" for problem in problems]
    return report


# Every claim card on the page: `**Claim Z1.** statement` then a table whose "Verdict" row reads
# "✓ holds · 3/5 checks passed" (report.card); every row of every table, for the
# scorecard's.
CARDS = r"""(() => {
  const cards = [...document.querySelectorAll("strong")]
    .filter(el => el.checkVisibility() && /^Claim [A-Z]+\d+\.$/.test(el.textContent.trim()))
    .map(el => {
      const id = el.textContent.trim().slice(6, -1);
      let table = null;
      for (let next = el.closest("p"); next && !table; next = next.nextElementSibling) {
        table = next.matches("table") ? next : next.querySelector("table");
      }
      const row = table && [...table.rows].find(r => r.cells[0].textContent.trim() === "Verdict");
      return [id, row ? row.cells[1].textContent.trim() : null];
    });
  const rows = [...document.querySelectorAll("tr")].filter(r => r.checkVisibility())
    .map(r => [...r.cells].map(c => c.textContent.trim()));
  return {cards: cards, rows: rows};
})()"""

VERDICTS = ("partly holds", "does not hold", "not measured", "undecided", "holds")


def _verdict(text):
    """The verdict named in a card's or the scorecard's cell ("✗ does not hold · 0/2 ...")."""
    return next((v for v in VERDICTS if v in text), None)


def check_cards(root, pages, scorecard, browser):
    """On each page of `pages` (paths under `root`), exactly one claim card, showing its verdict
    and "k/n checks passed", both as the scorecard's row (`scorecard`, a page under `root`, with
    rows "| id | verdict | checks | ...") for that claim gives them; one line per problem."""
    report = []
    with serve(root) as base:
        browser.open(base + scorecard)
        rows = browser.evaluate(CARDS)["rows"]
        score = {}
        for r in rows:  # the first table that lists a claim gives its verdict and checks
            if len(r) >= 3 and re.fullmatch(r"[A-Z]+\d+", r[0]):
                score.setdefault(r[0], r[1:3])
        for page in pages:
            browser.open(base + page)
            cards = browser.evaluate(CARDS)["cards"]
            if len(cards) != 1:
                report.append(f"{page}: {len(cards)} claim cards shown, not one")
                continue
            id, cell = cards[0]
            verdict, count = (
                _verdict(cell or ""),
                re.search(r"(\d+/\d+) checks passed(.*)", cell or ""),
            )
            if verdict is None or (count is None and verdict != "not measured"):
                report.append(
                    f"{page}: claim {id}'s card shows no verdict and checks passed: {cell}"
                )
                continue
            if id not in score:
                report.append(f"{page}: claim {id} has no row on {scorecard}")
                continue
            row_verdict, row_count = _verdict(score[id][0]), score[id][1]
            shown = count and (count.group(1) + count.group(2).split("·")[0]).strip()
            if row_verdict != verdict or (verdict != "not measured" and row_count != shown):
                report.append(
                    f"{page}: claim {id}'s card says {verdict}, {shown}; {scorecard} says "
                    f"{row_verdict}, {row_count}"
                )
    return report
