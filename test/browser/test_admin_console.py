"""The admin console: an admin finds a locked user, unlocks them, forces a
password reset, changes the role, reads the audit log and deletes the
account; a moderator sees only the moderation queue and approves a waiting
comment."""
from authhelpers import API, fresh_client
from browserhelpers import sign_in
from communityhelpers import Session, listing, make_user, page_url
from stoaclient import psql


def lock(info, user):
    for _ in range(5):
        r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": "Wrong-passw0rd!"})
        assert r.status in (401, 423), r
    r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": user.password})
    assert r.status == 423, f"{user} should be locked: {r}"


def test_admin_unlocks_forces_reset_changes_role_reads_log_deletes(info, browser):
    admin = make_user(info, role="admin")
    victim = make_user(info)
    lock(info, victim)

    b = browser()
    sign_in(b, admin.username, admin.password, then="/stoa/admin.html")
    b.wait_for("#users-body tr")
    b.check("admin")

    # Search: locked users whose name contains the victim's.
    b.fill("#users-q", victim.username)
    b.find("#users-locked").send_keys("Locked now")
    b.click("#users-search")
    row = f"#users-body tr[data-user='{victim.id}']"
    b.wait_until(lambda: len(b.find_all("#users-body tr")) == 1 and b.find_all(row), "the locked user alone")
    b.click(f"{row} button")
    b.wait_for("#user-section")
    b.wait_for_text("#user-facts", "more seconds")
    b.check("admin-user-locked")

    b.click("#user-unlock")
    b.wait_for_text("#admin-notice", "unlocked")
    r = fresh_client(info).post(f"{API}/login", json={"login": victim.username, "password": victim.password})
    assert r.status == 200, f"unlocked user signs in: {r}"

    b.click("#user-force-reset")
    b.wait_for_text("#admin-notice", "new password")
    c = fresh_client(info)
    c.post(f"{API}/login", json={"login": victim.username, "password": victim.password})
    assert c.get("/api/v1/account/notifications").status == 403, "a forced reset blocks the account until changed"

    b.find("#user-role").send_keys("moderator")
    b.click("#user-save")
    b.wait_for_text("#user-edit-form .stoa-form-notice", "Saved")
    assert psql(info, f"SELECT role FROM users WHERE id = {int(victim.id)}") == "moderator"
    b.check("admin-user-changed")

    # The audit log, filtered to the victim: every action is there.
    b.fill("#logs-user", str(victim.id))
    b.click("#logs-search")
    b.wait_for("#logs-body tr[data-event='role_change']")
    events = {tr.get_attribute("data-event") for tr in b.find_all("#logs-body tr")}
    assert {"unlock", "force_password_reset", "role_change", "lockout"} <= events, events
    b.check("admin-audit-log")

    # Delete, confirmed by typing the username.
    b.fill("#user-delete-confirm", "not-the-name")
    b.click("#user-delete")
    b.wait_for("[data-error-for=confirm]")
    b.fill("#user-delete-confirm", victim.username)
    b.click("#user-delete")
    b.wait_for_text("#admin-notice", "deleted")
    assert psql(info, f"SELECT count(*) FROM users WHERE id = {int(victim.id)} AND username = '{victim.username}'") == "0"
    b.check("admin-deleted")


def test_moderator_sees_only_moderation_and_approves_a_waiting_comment(info, browser):
    # The shared stack runs with COMMENT_MODERATION=off: the comment is posted
    # normally, then put back into the queue (status 'pending') in the database.
    author = Session(info, make_user(info))
    url = page_url(info)
    comment = author.comment(url, body="Waiting <b>for</b> a moderator")
    psql(info, f"UPDATE comments SET status = 'pending', approved_at = NULL WHERE id = {int(comment['id'])}")
    assert not listing(info, url)["items"], "a waiting comment is not shown"

    moderator = make_user(info, role="moderator")
    b = browser()
    sign_in(b, moderator.username, moderator.password, then="/stoa/admin.html")
    item = f"#moderation-list li[data-comment='{comment['id']}']"
    b.wait_for(item)
    assert b.find("#users-section").get_attribute("hidden") is not None, "moderators do not see users"
    assert b.find("#logs-section").get_attribute("hidden") is not None, "moderators do not see the audit log"
    assert "Waiting <b>for</b> a moderator" in b.find(item).text, "the body is shown as text"
    b.check("moderation-queue")
    b.click(f"{item} button[data-action=approve]")
    b.wait_for_text("#admin-notice", "published")
    assert not b.find_all(item)
    assert [c["id"] for c in listing(info, url)["items"]] == [comment["id"]], "the approved comment is shown"
    b.check("moderation-approved")
