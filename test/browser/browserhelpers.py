"""One headless Chromium per journey, with the checks every page must pass:
no console error, no CSP violation, no finding of the accessibility audit
(a11y_audit.js); screenshots at desktop and 375-px widths as artifacts."""
import json
import struct
import subprocess
import tempfile
import time
import urllib.parse
import zlib
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from authhelpers import fresh_ip

AUDIT_JS = (Path(__file__).parent / "a11y_audit.js").read_text()
DESKTOP = (1280, 900)
PHONE = (375, 800)
WAIT = 10

# Runs in every document before its own scripts (CDP-injected scripts are not
# subject to the page's CSP): reports CSP violations to the console, where
# the log collection below finds them.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


class Browser:
    def __init__(self, info, artifact_dir, javascript=True, language="en-US"):
        self.info = info
        self.base = info["https_url"]
        self.artifacts = Path(artifact_dir)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.ip = fresh_ip(v4=True)
        self.javascript = javascript
        self.shots = 0
        self.profile = tempfile.TemporaryDirectory(prefix="stoa-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking",
                    f"--user-data-dir={self.profile.name}", f"--lang={language}",
                    f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
            options.add_argument(arg)
        prefs = {"intl.accept_languages": language}
        if not javascript:
            prefs["profile.managed_default_content_settings.javascript"] = 2
        options.add_experimental_option("prefs", prefs)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.set_capability("acceptInsecureCerts", True)
        self.driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        self.driver.set_page_load_timeout(30)
        # Rate limits count per client address: each browser gets its own
        # (nginx trusts X-Forwarded-For from loopback in the test stack).
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-For": self.ip}})
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_LISTENER})
        self.problems = []

    def new_ip(self):
        """Talks from another client address from now on (login is limited per address)."""
        self.ip = fresh_ip(v4=True)
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-For": self.ip}})

    def quit(self):
        try:
            self.collect_logs()
            self.driver.quit()
        finally:
            self.profile.cleanup()

    # --- navigation --------------------------------------------------------

    def url(self, path):
        return self.base + path

    def open(self, path, ready="#main"):
        self.driver.get(self.url(path))
        return self.wait_for(ready)

    def path(self):
        u = urllib.parse.urlsplit(self.driver.current_url)
        return u.path + (f"?{u.query}" if u.query else "")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, css, visible=True, timeout=WAIT):
        cond = EC.visibility_of_element_located if visible else EC.presence_of_element_located
        try:
            return WebDriverWait(self.driver, timeout).until(cond((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise AssertionError(f"{css} did not appear on {self.driver.current_url}; problems: {self.collect_logs()}") from None

    def wait_until(self, predicate, what, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout).until(lambda d: predicate())
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what} on {self.driver.current_url}; "
                                 f"problems: {self.collect_logs()}") from None

    def wait_for_path(self, prefix, timeout=WAIT):
        self.wait_until(lambda: self.path().startswith(prefix), f"path {prefix}", timeout)

    def wait_for_text(self, css, text, timeout=WAIT):
        self.wait_until(lambda: any(text in e.text for e in self.find_all(css)), f"{text!r} in {css}", timeout)

    def ready(self):
        """Waits until the page's script finished starting (translated, nav filled)."""
        if self.javascript:
            self.wait_until(lambda: self.driver.execute_script(
                "return document.documentElement.dataset.stoaReady === '1'"), "page ready")

    def fill(self, css, value, clear=True):
        field = self.find(css)
        if clear:
            field.clear()
        field.send_keys(value)
        return field

    def click(self, css):
        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return element

    def focused_id(self):
        return self.driver.execute_script("return document.activeElement && document.activeElement.id")

    def cookies(self):
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    # --- checks ------------------------------------------------------------

    def collect_logs(self):
        """Console errors and CSP violations since the last call, added to
        self.problems. Failed API calls (4xx answers of /api/ that the page
        handles, e.g. a 422 shown next to its field) are expected and skipped;
        any other network failure (a missing script, style or page) counts."""
        try:
            entries = self.driver.get_log("browser")
        except Exception:  # the browser is gone
            return self.problems
        for e in entries:
            if e["level"] not in ("SEVERE", "ERROR"):
                continue
            msg = e.get("message", "")
            if e.get("source") == "network" and "/api/v1/" in msg and " status of 4" in msg:
                continue
            self.problems.append(msg)
        return self.problems

    def audit(self):
        return self.driver.execute_script(AUDIT_JS + "\nreturn stoaAudit(document);")

    def check(self, name=None):
        """The page passes: no console errors or CSP violations so far, no
        accessibility findings; saves screenshots when `name` is given."""
        findings = self.audit()
        assert not findings, f"accessibility findings on {self.path()}: {findings}"
        if name:
            self.screenshots(name)
        problems = self.collect_logs()
        assert not problems, f"console errors or CSP violations (up to {self.path()}): {problems}"

    def screenshots(self, name):
        self.shots += 1
        stem = f"{self.shots:02d}-{name}"
        self.driver.save_screenshot(str(self.artifacts / f"{stem}-desktop.png"))
        self.driver.set_window_size(*PHONE)
        time.sleep(0.15)
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        self.driver.save_screenshot(str(self.artifacts / f"{stem}-375px.png"))
        findings = self.audit()
        self.driver.set_window_size(*DESKTOP)
        assert width <= PHONE[0], f"{self.path()} scrolls sideways at {PHONE[0]} px ({width} px wide)"
        assert not findings, f"accessibility findings at {PHONE[0]} px on {self.path()}: {findings}"


def totp(secret, offset_steps=0):
    """The current TOTP code from oathtool (an independent implementation)."""
    cmd = ["oathtool", "--totp", "-b", secret]
    if offset_steps:
        cmd.append(f"--now={time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(time.time() + 30 * offset_steps))}")
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def fresh_totp(secret, used):
    """A code not used before (the server refuses a replayed code): waits for the next step if needed."""
    for _ in range(40):
        code = totp(secret)
        if code not in used:
            used.add(code)
            return code
        time.sleep(1)
    raise AssertionError("no fresh TOTP code within 40 s")


def png(width=40, height=30):
    """A small RGB PNG made here (a gradient), as any camera would send."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (x * 6 % 256, y * 8 % 256, 160))
                    for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def dump(obj):
    return json.dumps(obj, indent=1)[:2000]


def sign_in(b, login, password, then="/stoa/account.html"):
    """Signs in through the login page (with JavaScript) and waits for `then`."""
    b.open(f"/stoa/login.html?return_to={urllib.parse.quote(then, safe='')}")
    b.ready()
    b.fill("#login", login)
    b.fill("#password", password)
    b.click("#login-submit")
    b.wait_for_path(then)
    b.ready()
