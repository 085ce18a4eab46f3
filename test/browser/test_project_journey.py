"""An author's project, in the browser: "New project" from the gallery, the
editor (three steps reordered by keyboard and by drag, a BOM item after a
422 next to its field, components found by search, created new and created
again under an existing name, a tool, a link, a step edited), a file and an
image uploaded with progress bars, published; then found in the gallery by a
word of its title, shown with all its parts, and downloaded as a ZIP whose
README.md and bom.csv name them. The stack's small PROJECT_* quotas
(tools/stack.py) leave room: 3 of 12 steps, 1 of 12 BOM items, 1 of 4 files,
1 of 4 images, a few KB of 3 MB."""
import io
import random
import string
import time
import zipfile

from selenium.webdriver.common.keys import Keys

from browserhelpers import png, sign_in
from communityhelpers import Session, make_user

V1 = "/api/v1"


def step_titles(b):
    return b.driver.execute_script(
        "return [...document.querySelectorAll('#steps-list li[data-id] strong')]"
        ".map((s) => s.textContent.replace(/^\\d+\\. /, ''))")


def step_ids(b):
    return b.driver.execute_script(
        "return [...document.querySelectorAll('#steps-list li[data-id]')].map((li) => li.dataset.id)")


def wait_text(b, css, text, timeout=10):
    """`text` in one of the elements `css` (read in the page: the lists are
    rebuilt as answers come, so element references go stale)."""
    b.wait_until(lambda: b.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].some((e) => e.textContent.includes(arguments[1]))",
        css, text), f"{text!r} in {css}", timeout)


def wait_saved(b):
    """The steps list is not waiting for a reorder request."""
    b.wait_until(lambda: b.find("#steps-list").get_attribute("data-busy") is None, "the new order saved")


def add_part(b, key, fields, expect):
    for name, value in fields.items():
        field = b.find(f"#{key}-add-{name}")
        if field.tag_name == "select":
            field.send_keys(value)
        else:
            field.clear()
            field.send_keys(value)
    b.click(f"#{key}-add")
    wait_text(b, f"#{key}-list li[data-id]", expect)


def test_author_creates_publishes_finds_and_downloads_a_project(info, browser, tmp_path):
    author = make_user(info)
    word = "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    title = f"Weather station {word}"
    # A component that exists already (found by search), another one the
    # editor will try to create again under the same name (409: used as is).
    api = Session(info, author)
    for name in (f"BME280 sensor {word}", f"Rain gauge {word}"):
        r = api.post(f"{V1}/components", json={"name": name, "manufacturer": "Bosch" if "BME" in name else "Acme",
                                                "datasheet_url": "https://example.org/datasheet.pdf"})
        assert r.status == 201, r

    b = browser()
    sign_in(b, author.username, author.password, then="/stoa/projects.html")
    b.wait_for("#new-project")
    b.click("#new-project")
    b.wait_for_path("/stoa/project-edit.html")
    b.wait_for("#details-section")
    assert b.find("#parts").get_attribute("hidden") is not None, "parts come once the project exists"
    b.check("editor-new")

    # Create: a draft; the address now names it.
    b.fill("#title", title)
    b.fill("#description", "Measures <b>wind</b> & rain on the balcony.")
    b.fill("#background", "The old one broke.")
    b.fill("#source_url", "https://example.org/weather-station")
    b.fill("#tags", "weather, esp32")
    b.click("#project-save")
    b.wait_for("#parts")
    b.wait_for_path("/stoa/project-edit.html?id=")
    project_id = b.path().split("id=")[1]
    b.wait_for_text("#project-status-text", "Draft")

    # Three steps, then step 3 moved up with the arrow key on its handle.
    steps = [f"Solder the sensor {word}", "Mount the mast", "Flash the firmware"]
    for i, step in enumerate(steps):
        add_part(b, "steps", {"title": step, "body": f"Body of step {i + 1}."}, step)
        assert b.focused_id() == "steps-add-title", "focus stays in the add form"
    assert step_titles(b) == steps
    ids = step_ids(b)
    handle = b.find(f"#steps-list li[data-id='{ids[2]}'] [data-act=handle]")
    handle.send_keys(Keys.ARROW_UP)
    b.wait_until(lambda: step_titles(b) == [steps[0], steps[2], steps[1]], "step 3 moved up")
    wait_saved(b)
    assert b.driver.execute_script("return document.activeElement.closest('li').dataset.id") == ids[2], \
        "focus stays on the moved step's handle"
    assert b.driver.execute_script("return document.activeElement.dataset.act") == "handle"
    b.wait_for_text("#editor-live", "is now step 2 of 3")
    order = [s["id"] for s in api.get(f"{V1}/projects/{project_id}/steps").json["items"]]
    assert [str(i) for i in order] == [ids[0], ids[2], ids[1]], "the server has the new order"

    # Drag (the handlers, driven by synthetic drag events): step 1 below the last one.
    b.driver.execute_script("""
      const list = document.querySelector('#steps-list');
      const [first, , last] = list.querySelectorAll('li[data-id]');
      const data = new DataTransfer();
      first.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: data}));
      const box = last.getBoundingClientRect();
      last.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: data,
                                                    clientY: box.bottom - 2}));
      last.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));
      first.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: data}));
    """)
    b.wait_until(lambda: step_titles(b) == [steps[2], steps[1], steps[0]], "step 1 dragged to the end")
    wait_saved(b)
    order = [str(s["id"]) for s in api.get(f"{V1}/projects/{project_id}/steps").json["items"]]
    assert order == [ids[2], ids[1], ids[0]]

    # Edit a step in place.
    b.click(f"#steps-list li[data-id='{ids[1]}'] [data-act=edit]")
    assert b.focused_id() == f"steps-e{ids[1]}-title"
    b.fill(f"#steps-e{ids[1]}-title", "Mount the mast firmly")
    b.click(f"#steps-list li[data-id='{ids[1]}'] [data-act=save]")
    wait_text(b, "#steps-list li[data-id]", "Mount the mast firmly")
    steps[1] = "Mount the mast firmly"

    # A BOM item: the server's 422 lands next to the quantity, with focus.
    add = {"name": f"Anemometer cups {word}", "quantity": "0", "unit": "pcs", "unit_price": "4.50", "currency": "eur"}
    for name, value in add.items():
        b.fill(f"#bom-add-{name}", value)
    b.click("#bom-add")
    b.wait_for("#bom-add-form [data-error-for=quantity]")
    assert b.focused_id() == "bom-add-quantity", "focus moves to the first error"
    assert b.find("#bom-add-quantity").get_attribute("aria-invalid") == "true"
    b.check("editor-422")
    b.fill("#bom-add-quantity", "3")
    b.click("#bom-add")
    wait_text(b, "#bom-list li[data-id]", f"3 pcs × Anemometer cups {word}")

    # Components: one found by search, one new, one whose name exists (409: that one is used).
    b.fill("#components-q", word)
    wait_text(b, "#components-results li", f"BME280 sensor {word}")
    found = [e.text for e in b.find_all("#components-results li")]
    assert any(f"BME280 sensor {word}" in f for f in found), found
    b.fill("#components-quantity", "2")
    bme = next(li for li in b.find_all("#components-results li") if f"BME280 sensor {word}" in li.text)
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", bme)
    bme.find_element("css selector", "button").click()
    wait_text(b, "#components-list li[data-id]", f"2 × BME280 sensor {word}")
    b.click("#component-new summary")
    b.fill("#component-name", f"Wind vane {word}")
    b.fill("#component-manufacturer", "Acme")
    b.fill("#component-datasheet_url", "https://example.org/vane.pdf")
    b.click("#component-create")
    wait_text(b, "#components-list li[data-id]", f"Wind vane {word}")
    b.fill("#component-name", f"RAIN GAUGE {word}")
    b.click("#component-create")
    b.wait_for_text("#component-new-form .stoa-form-notice", "existed already")
    wait_text(b, "#components-list li[data-id]", f"Rain gauge {word}")
    assert len(b.find_all("#components-list li[data-id]")) == 3

    add_part(b, "tools", {"name": f"Soldering iron {word}", "kind": "tool"}, "Soldering iron")
    add_part(b, "tools", {"name": "Silicone sealant", "kind": "material", "notes": "outdoor grade"}, "Silicone")
    add_part(b, "links", {"kind": "video", "title": f"Build video {word}", "url": "https://example.org/video"},
             "Build video")

    # A file and an image, with their progress bars.
    text_file = tmp_path / f"firmware-{word}.txt"
    text_file.write_text("print('hello from the weather station')\n")
    b.find("#files-file").send_keys(str(text_file))
    b.fill("#files-description", "The firmware notes")
    b.click("#files-upload")
    wait_text(b, "#files-list li[data-id]", text_file.name)
    assert b.find("#files-progress").get_attribute("hidden") is not None, "the bar goes once done"
    image = tmp_path / f"station-{word}.png"
    image.write_bytes(png())
    b.find("#images-file").send_keys(str(image))
    b.fill("#images-caption", f"The station on the balcony {word}")
    b.click("#images-upload")
    wait_text(b, "#images-list li[data-id]", image.stem)  # the server may store it re-encoded (.webp)
    wait_text(b, "#images-list li[data-id]", "Primary image")
    b.wait_until(lambda: b.driver.execute_script(
        "const i = document.querySelector('#images-list img'); return i && i.complete && i.naturalWidth > 0"),
        "the thumbnail shows")
    b.driver.execute_script("document.querySelector('#steps-section').scrollIntoView()")
    b.check("editor-filled")

    # Dark mode: same page, same audit (contrast from the dark custom properties).
    b.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    b.check("editor-dark")
    b.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    # Publish.
    b.click("#project-publish")
    b.wait_for("#project-unpublish")
    b.wait_for_text("#project-status-text", "Published")
    assert b.focused_id() == "project-unpublish"
    b.check("editor-published")

    # The gallery finds it by a word of its title.
    b.open("/stoa/projects.html")
    b.ready()
    b.fill("#q", word)
    b.click("#gallery-search")
    card = f"#gallery li[data-project='{project_id}']"
    b.wait_for(card)
    assert len(b.find_all("#gallery > li")) == 1
    assert title in b.find(card).text
    b.check("gallery-search")

    # The project page shows every part, and the author's edit link.
    b.click(f"{card} h2 a")
    b.wait_for("#project")
    b.wait_for("#project-steps li")
    assert [h.text for h in b.find_all("#project-steps h3")] == [steps[2], steps[1], steps[0]]
    page = b.find("#project").text
    for text in (f"Anemometer cups {word}", f"BME280 sensor {word}", f"Wind vane {word}", f"Rain gauge {word}",
                 f"Soldering iron {word}", "Silicone sealant", f"Build video {word}", text_file.name,
                 "Measures <b>wind</b> & rain"):
        assert text in page, f"{text!r} on the project page"
    assert b.find("#project-images img").get_attribute("alt") == f"The station on the balcony {word}"
    assert b.find("#project-edit").get_attribute("href").endswith(f"/stoa/project-edit.html?id={project_id}")
    b.check("project-page")

    # The ZIP, downloaded by the browser with its session.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    b.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    b.click("#project-download")
    b.wait_until(lambda: [p for p in downloads.iterdir() if p.suffix == ".zip"], "the ZIP download", timeout=20)
    time.sleep(0.3)
    archive = next(p for p in downloads.iterdir() if p.suffix == ".zip")
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as z:
        names = z.namelist()
        readme = z.read("README.md").decode()
        bom = z.read("bom.csv").decode()
    assert f"files/{text_file.name}" in names, names
    assert any(n.startswith(f"images/{image.stem}") for n in names), names
    for text in (title, *steps, f"Anemometer cups {word}", f"BME280 sensor {word}", f"Wind vane {word}",
                 f"Soldering iron {word}", f"Build video {word}", text_file.name):
        assert text in readme, f"{text!r} in README.md"
    assert readme.index(steps[2]) < readme.index(steps[1]) < readme.index(steps[0]), "steps in their order"
    assert f"Anemometer cups {word}" in bom and "4.50" in bom, bom
    assert api.get(f"{V1}/projects/{project_id}").json["download_count"] >= 1
