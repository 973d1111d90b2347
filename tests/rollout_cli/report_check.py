"""Opens an HTML file in headless Chromium and reads what it rendered,
through the DevTools protocol on a pipe (--remote-debugging-pipe: the
browser reads commands on fd 3 and writes answers on fd 4, each a JSON
text ended by a NUL byte). No packages beyond the standard library.
"""

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# What the page shows, measured after layout.
GEOMETRY_JS = r"""
(() => {
  const box = (e) => { const b = e.getBoundingClientRect();
    return {height: b.height, width: b.width, top: b.top, bottom: b.bottom}; };
  const out = {rects: [], values: [], cells: [], rtl: [], sections: []};
  for (const r of document.querySelectorAll('rect[data-city]')) {
    const t = r.querySelector('title');
    out.rects.push(Object.assign(box(r), {city: r.dataset.city,
      metric: r.dataset.metric, value: r.dataset.value,
      title: t ? t.textContent : null, fill: getComputedStyle(r).fill}));
  }
  for (const t of document.querySelectorAll('text.value'))
    out.values.push({city: t.dataset.city, metric: t.dataset.metric,
                     text: t.textContent, height: box(t).height});
  for (const td of document.querySelectorAll('tr[data-city] td[data-metric]'))
    out.cells.push({city: td.closest('tr').dataset.city,
                    metric: td.dataset.metric, text: td.textContent});
  for (const e of document.querySelectorAll('[dir=rtl][lang=ur]'))
    out.rtl.push(getComputedStyle(e).direction);
  for (const s of document.querySelectorAll('section.city'))
    out.sections.push({city: s.dataset.city,
                       heading: s.querySelector('h2').textContent,
                       injected: s.querySelectorAll('h2 *').length});
  out.scripts = document.scripts.length;
  out.resources = performance.getEntriesByType('resource').length;
  return JSON.stringify(out);
})()
"""


class Browser:
    def __init__(self, url, timeout):
        self.deadline = time.monotonic() + timeout
        self.profile = tempfile.mkdtemp(prefix="so-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds_3_and_4():
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.close(a)
            os.close(b)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--no-first-run",
             "--disable-extensions", "--hide-scrollbars",
             "--window-size=1400,3000", f"--user-data-dir={self.profile}",
             url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, close_fds=False,
            preexec_fn=fds_3_and_4)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self):
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            answer = self._read_message()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def evaluate(self, session, expression):
        r = self.call("Runtime.evaluate", {"expression": expression,
                                           "returnByValue": True},
                      session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")


def render_report(path, timeout=30):
    """The geometry of the page PATH once Chromium has laid it out: a dict
    as GEOMETRY_JS builds it."""
    url = "file://" + os.path.abspath(path)
    b = Browser("about:blank", timeout)
    try:
        while True:
            targets = b.call("Target.getTargets")["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                break
            time.sleep(0.05)
        session = b.call("Target.attachToTarget",
                         {"targetId": pages[0]["targetId"],
                          "flatten": True})["sessionId"]
        b.call("Page.navigate", {"url": url}, session)
        loaded = ("document.URL === %s && document.readyState === "
                  "'complete' && document.body !== null" % json.dumps(url))
        while not b.evaluate(session, loaded):
            time.sleep(0.05)
        return json.loads(b.evaluate(session, GEOMETRY_JS))
    finally:
        b.close()
