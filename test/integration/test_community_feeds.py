"""Atom feeds of comments (issue 8 "Feeds"): one page's and the whole site's
latest approved comments as Atom 1.0, validated by libxml2 (xmllint) against
RFC 4287's schema (community_atom.rng) and read back with Python's own XML
parser; bodies escaped (the XSS corpus comes back as the same text, never as
markup); caching headers and ETag."""
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

from communityhelpers import V1, XSS_CORPUS, anon, page_url, session
from stoaclient import assert_problem

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_path(url=None):
    return f"{V1}/comments/feed.atom" + (f"?url={urllib.parse.quote(url, safe='')}" if url else "")


def fetch(info, url=None):
    r = anon(info).get(feed_path(url))
    assert r.status == 200, r
    assert r.header("content-type").startswith("application/atom+xml"), r.headers
    return r, ET.fromstring(r.body)


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "community_atom.rng")


def check_schema(body):
    xmllint = shutil.which("xmllint")
    assert xmllint, "xmllint missing (apt-get install libxml2-utils)"
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(body)
        f.flush()
        r = subprocess.run([xmllint, "--noout", "--relaxng", SCHEMA, f.name], capture_output=True, text=True)
    assert r.returncode == 0, f"the feed is not valid Atom:\n{r.stderr}"


def check_rfc4287(feed):
    """The elements RFC 4287 requires (4.1.1, 4.1.2), each exactly once."""
    assert feed.tag == ATOM + "feed", feed.tag
    for name in ("id", "title", "updated"):
        assert len(feed.findall(ATOM + name)) == 1, f"feed needs exactly one atom:{name}"
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    for entry in feed.findall(ATOM + "entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(ATOM + name)) == 1, f"entry needs exactly one atom:{name}"
        author = entry.find(ATOM + "author")
        assert author is not None and author.findtext(ATOM + "name"), "every entry has an author name"
        content = entry.find(ATOM + "content")
        assert content is not None and content.get("type") == "text"
        assert list(content) == [], "content is text, never child elements"
        for name in ("updated", "published"):
            value = entry.findtext(ATOM + name)
            time.strptime(value, "%Y-%m-%dT%H:%M:%SZ")


def entries(feed):
    return [(e.findtext(ATOM + "author/" + ATOM + "name"), e.findtext(ATOM + "content"))
            for e in feed.findall(ATOM + "entry")]


def test_page_feed_escapes_every_body(info):
    url = page_url(info)
    writers = [session(info), session(info)]
    for i, body in enumerate(XSS_CORPUS):
        writers[i % 2].comment(url, body)
    r, feed = fetch(info, url)
    check_schema(r.body)
    check_rfc4287(feed)
    got = [content for _, content in entries(feed)]
    assert got == XSS_CORPUS[::-1], "newest first, every body the same text after XML parsing"
    assert b"<script>" not in r.body and b"&lt;script&gt;" in r.body
    assert feed.findtext(ATOM + "title") == f"Comments on {url}"
    alternate = feed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == url
    links = [e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in feed.findall(ATOM + "entry")]
    assert all(l.startswith(url + "#comment-") for l in links), links
    assert len({e.findtext(ATOM + "id") for e in feed.findall(ATOM + "entry")}) == len(XSS_CORPUS)


def test_feed_has_only_visible_comments(info):
    url = page_url(info)
    a, b = session(info), session(info)
    kept = a.comment(url, "visible")
    deleted = a.comment(url, "deleted")
    hidden = b.comment(url, "hidden")
    edited = b.comment(url, "before edit")
    a.call("DELETE", f"{V1}/comments/{deleted['id']}")
    mod = session(info, role="moderator")
    mod.post(f"{V1}/comments/{hidden['id']}/hide")
    b.call("PATCH", f"{V1}/comments/{edited['id']}", json={"body": "after edit"})
    _, feed = fetch(info, url)
    assert entries(feed) == [(b.user.username, "after edit"), (a.user.username, "visible")]
    assert kept["id"]


def test_site_feed_has_the_latest_comments_of_every_page(info):
    s = session(info)
    first, second = page_url(info), page_url(info)
    s.comment(first, "on the first page")
    s.comment(second, "on the second page")
    r, feed = fetch(info)
    check_schema(r.body)
    check_rfc4287(feed)
    got = entries(feed)
    # Other tests comment on the shared stack at the same time: look at ours.
    mine = [e for e in got if e[0] == s.user.username]
    assert mine == [(s.user.username, "on the second page"), (s.user.username, "on the first page")], got
    assert len(got) <= 50


def test_caching_headers_and_etag(info):
    url = page_url(info)
    s = session(info)
    s.comment(url, "cache me")
    r, _ = fetch(info, url)
    assert "max-age" in r.header("cache-control") and "public" in r.header("cache-control"), r.header("cache-control")
    etag = r.header("etag")
    assert etag and etag.startswith('"'), etag
    assert r.header("last-modified", ) and r.header("last-modified").endswith("GMT")
    again = anon(info).get(feed_path(url), headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"", again
    assert again.header("etag") == etag
    s.comment(url, "new comment, new tag")
    changed = anon(info).get(feed_path(url), headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.header("etag") != etag


def test_feed_of_an_unknown_or_foreign_page(info):
    r, feed = fetch(info, page_url(info))
    check_schema(r.body)
    check_rfc4287(feed)
    assert entries(feed) == []
    assert_problem(anon(info).get(feed_path("https://evil.example/")), 422, "validation_failed")
