"""Browser tests of Stoa's pages: Debian's headless Chromium driven through
chromedriver by python3-selenium, against the real stack (the same CTest
fixture as the integration tests). See README.md."""
import os
import shutil
from pathlib import Path

import pytest

from stoaclient import stack_info
from browserhelpers import Browser


@pytest.fixture(scope="session")
def info():
    return stack_info()


@pytest.fixture(scope="session")
def artifacts():
    default = Path(os.environ["STOA_STACK_DIR"]).parent / "test-artifacts"
    path = Path(os.environ.get("STOA_ARTIFACTS_DIR", default)) / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser(info, artifacts, request):
    """A fresh browser (own profile, own client address) for one test; closed after."""
    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver missing: apt-get install chromium chromium-driver python3-selenium")
    opened = []

    def make(javascript=True, language="en-US"):
        b = Browser(info, artifacts / request.node.name, javascript=javascript, language=language)
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.quit()
