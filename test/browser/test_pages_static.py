"""Checks of the page sources that need no browser: every data-i18n key is
in the English catalogs (core.en.json: errors and the widget; en.json: the
pages), German translates every English key and no other (English is only a
fallback at run time, never a way to leave a text untranslated), in the
formal register throughout, no inline
script or style (the CSP forbids them), no innerHTML in the scripts."""
import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web" / "stoa"


def catalog(lang, parts=("core.", "")):
    merged = {}
    for part in parts:
        merged.update(json.loads((WEB / "i18n" / f"{part}{lang}.json").read_text(encoding="utf-8")))
    return merged


def test_every_key_the_pages_use_is_in_the_english_catalog():
    en = catalog("en")
    used = set()
    for page in WEB.glob("*.html"):
        used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', page.read_text(encoding="utf-8")))
    for script in (WEB / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\('([a-z_.]+)'", script.read_text(encoding="utf-8")))
    assert sorted(used - set(en)) == []


def test_the_widget_needs_only_the_core_catalog():
    core = catalog("en", parts=("core.",))
    used = set()
    for script in [WEB / "embed.js", *(WEB / "js" / "widget").glob("*.js"), *(WEB / "js" / "core").glob("*.js")]:
        code = script.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\('([a-z_.]+)'", code))
        used |= {f"{k}.{form}" for k in re.findall(r"plural\(t, '([a-z_.]+)'", code) for form in ("one", "other")}
    assert sorted(used - set(core)) == []
    assert not set(core) & set(catalog("en", parts=("",))), "a key in both catalogs"


def test_german_translates_every_key_and_only_known_keys_with_the_same_placeholders():
    for part in ("core.", ""):
        en, de = catalog("en", parts=(part,)), catalog("de", parts=(part,))
        assert sorted(set(en) - set(de)) == [], f"English keys of {part}en.json missing in {part}de.json"
        assert sorted(set(de) - set(en)) == [], f"keys of {part}de.json unknown in {part}en.json"
        for key, text in de.items():
            assert text.strip(), f"{key} is empty in {part}de.json"
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", en[key])), key


def test_german_addresses_the_reader_formally():
    informal = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)
    for key, text in catalog("de").items():
        assert not informal.search(text), f"{key}: informal address in {text!r} (the catalogs say Sie)"


def test_no_inline_script_style_or_handlers():
    for page in WEB.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline script in {page.name}"
        assert "<style" not in html and " style=" not in html, f"inline style in {page.name}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler in {page.name}"


def test_scripts_never_parse_html_or_eval():
    for script in [WEB / "embed.js", *(WEB / "js").rglob("*.js")]:
        code = script.read_text(encoding="utf-8")
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert banned not in code, f"{banned} in {script.name}"
