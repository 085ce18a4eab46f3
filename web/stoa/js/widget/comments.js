// The likes-and-comments widget of one <div data-stoa-comments>: like button,
// subscribe toggle, threaded comments (reply, edit within the window, delete,
// "waiting for approval" on one's own held comments), and the sign-in prompt.
// User text only ever becomes text nodes (el()).
import { settings } from '../core/config.js';
import { el, clear } from '../core/dom.js';
import { t, formatDate } from '../core/i18n.js';
import { api, cookie, errorMessage } from '../core/api.js';
import { pageUrl, plural } from './page.js';
import { signInPrompt } from './signin.js';

const PER_PAGE = 100;
const EDIT_WINDOW_MS = 15 * 60 * 1000; // COMMENT_EDIT_WINDOW_SECONDS' default; the server decides

export async function mountComments(root, index) {
  const w = new Widget(root, index);
  await w.load();
  return w;
}

class Widget {
  constructor(root, index) {
    this.root = root;
    this.id = `stoa-w${index}`;
    // A page (its URL), or an entity: data-entity-type="project" data-entity-id="7".
    const { entityType, entityId } = root.dataset;
    this.url = entityType ? null : pageUrl(root.dataset.url);
    this.entity = entityType ? { entity_type: entityType, entity_id: entityId } : null;
    this.user = null;
    this.comments = new Map(); // id -> comment
    this.page = 0;
    this.total = 0;
    root.classList.add('stoa-w');
    clear(root);
    this.status = el('div', { class: 'stoa-w-sr', role: 'status', 'aria-live': 'polite' });
    this.notice = el('p', { class: 'stoa-w-notice', role: 'alert', hidden: true });
    this.heading = el('h2', { class: 'stoa-w-heading', id: `${this.id}-heading`, tabindex: '-1', text: t('widget.heading') });
    this.likeButton = el('button', { type: 'button', class: 'stoa-w-like', 'aria-pressed': 'false', on: { click: () => this.toggleLike() } });
    this.subscribeButton = el('button', { type: 'button', class: 'stoa-w-subscribe', 'aria-pressed': 'false', hidden: true, on: { click: () => this.toggleSubscription() } });
    this.account = el('div', { class: 'stoa-w-account' });
    this.list = el('ol', { class: 'stoa-w-list', 'aria-labelledby': this.heading.id });
    this.more = el('button', { type: 'button', class: 'stoa-w-more', hidden: true, text: t('widget.more'), on: { click: () => this.loadMore() } });
    root.append(el('section', { 'aria-labelledby': this.heading.id },
      el('div', { class: 'stoa-w-bar' }, this.heading, this.likeButton, this.subscribeButton),
      this.status, this.notice, this.account, this.list, this.more));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.refresh();
    });
  }

  target() {
    return this.entity || { url: this.url };
  }

  query(extra = '') {
    return new URLSearchParams(this.target()).toString() + extra;
  }

  announce(text) {
    this.status.textContent = '';
    // A fresh text node makes screen readers read it even when it repeats.
    setTimeout(() => { this.status.textContent = text; }, 50);
  }

  fail(error) {
    this.notice.hidden = false;
    this.notice.textContent = errorMessage(error);
  }

  clearNotice() {
    this.notice.hidden = true;
    this.notice.textContent = '';
  }

  async whoAmI() {
    // Same origin: no stoa_csrf cookie means nobody is signed in (asking /me
    // would only log a 401). Another origin may not see the cookie: ask.
    if (!cookie('stoa_csrf') && !settings.crossOrigin) return null;
    try {
      const { user } = await api('GET', '/auth/me');
      if (settings.crossOrigin && !cookie('stoa_csrf')) {
        // Another host of the site: the cookies reach the API, but the CSRF
        // cookie is not readable here. A refresh answers a Bearer token.
        settings.bearer = (await api('POST', '/auth/refresh', { json: {}, refresh: false })).access_token;
      }
      return user;
    } catch {
      return null;
    }
  }

  async load() {
    const [user, thread, likes] = await Promise.all([
      this.whoAmI(),
      api('GET', `/comments?${this.query(`&per_page=${PER_PAGE}&page=1`)}`),
      api('GET', `/likes/count?${this.query()}`),
    ]).catch((e) => { this.fail(e); return []; });
    if (!thread) return;
    performance.mark(`${this.id}:answer`);
    this.user = user;
    this.comments.clear();
    this.page = 1;
    this.total = thread.total;
    clear(this.list);
    this.list.append(...thread.items.map((c) => this.renderComment(c)));
    this.more.hidden = thread.items.length >= thread.total;
    this.renderLike(likes);
    this.renderAccount();
    this.updateHeading();
    this.root.getBoundingClientRect(); // the layout is part of the first render
    performance.mark(`${this.id}:rendered`);
    performance.measure(`${this.id}:render`, `${this.id}:answer`, `${this.id}:rendered`);
    this.root.dataset.stoaState = 'ready';
    if (user) this.loadSubscription();
  }

  async loadMore() {
    try {
      const thread = await api('GET', `/comments?${this.query(`&per_page=${PER_PAGE}&page=${this.page + 1}`)}`);
      this.page += 1;
      const nodes = thread.items.map((c) => this.renderComment(c));
      this.list.append(...nodes);
      this.more.hidden = this.page * PER_PAGE >= thread.total;
      if (nodes[0]) nodes[0].querySelector('article').focus();
    } catch (e) {
      this.fail(e);
    }
  }

  // Comments that arrived since the load (the tab came back): announced.
  async refresh() {
    if (this.root.dataset.stoaState !== 'ready' || this.root.querySelector('form.stoa-w-edit, form.stoa-w-reply')) return;
    const before = new Set(this.comments.keys());
    try {
      const thread = await api('GET', `/comments?${this.query(`&per_page=${PER_PAGE}&page=1`)}`);
      const fresh = [];
      const walk = (items) => items.forEach((c) => { if (!before.has(c.id) && !c.deleted) fresh.push(c); walk(c.replies || []); });
      walk(thread.items);
      if (!fresh.length) return;
      this.comments.clear();
      this.total = thread.total;
      clear(this.list);
      this.list.append(...thread.items.map((c) => this.renderComment(c)));
      this.updateHeading();
      this.announce(plural(t, 'widget.new_comments', fresh.length));
    } catch {
      /* a background check: the next one may work */
    }
  }

  updateHeading() {
    let n = 0;
    for (const c of this.comments.values()) if (!c.deleted) n += 1;
    this.heading.textContent = `${t('widget.heading')} (${n})`;
  }

  // --- likes and subscriptions ---------------------------------------------

  renderLike(likes) {
    this.likes = likes;
    this.likeButton.setAttribute('aria-pressed', String(Boolean(likes.liked_by_me)));
    clear(this.likeButton).append(
      el('span', { class: 'stoa-w-heart', 'aria-hidden': 'true', text: likes.liked_by_me ? '♥' : '♡' }),
      ` ${t('widget.like')} `,
      el('span', { class: 'stoa-w-like-count', text: likes.count }));
  }

  async toggleLike() {
    if (!this.user) return this.openSignIn();
    this.clearNotice();
    const l = this.likes;
    try {
      if (l.liked_by_me) await api('DELETE', `/likes/${l.my_like_id}`);
      else await api('POST', '/likes', { json: this.target() });
    } catch (e) {
      if (e.status !== 409 && e.status !== 404) this.fail(e);
    }
    try {
      this.renderLike(await api('GET', `/likes/count?${this.query()}`));
      this.announce(this.likes.liked_by_me ? t('widget.liked') : t('widget.unliked'));
    } catch (e) {
      this.fail(e);
    }
  }

  async loadSubscription() {
    try {
      const list = await api('GET', '/subscriptions?per_page=100');
      const e = this.entity;
      const mine = list.items.find(({ target: x }) => x && (e ? x.entity_type === e.entity_type && String(x.entity_id) === e.entity_id : x.url === this.url));
      this.subscriptionId = mine ? mine.id : null;
    } catch {
      this.subscriptionId = null;
    }
    this.renderSubscription();
  }

  renderSubscription() {
    const on = Boolean(this.subscriptionId);
    this.subscribeButton.hidden = !this.user;
    this.subscribeButton.setAttribute('aria-pressed', String(on));
    this.subscribeButton.textContent = t('widget.subscribe');
  }

  async toggleSubscription() {
    this.clearNotice();
    try {
      if (this.subscriptionId) {
        await api('DELETE', `/subscriptions/${this.subscriptionId}`);
        this.subscriptionId = null;
      } else {
        this.subscriptionId = (await api('POST', '/subscriptions', { json: this.target() })).id;
      }
      this.renderSubscription();
      this.announce(this.subscriptionId ? t('widget.subscribed') : t('widget.unsubscribed'));
    } catch (e) {
      this.fail(e);
    }
  }

  // --- account: the comment form or the sign-in prompt ----------------------

  renderAccount() {
    clear(this.account);
    this.renderSubscription();
    if (!this.user) {
      this.account.append(signInPrompt(this, (user) => this.signedIn(user)));
      return;
    }
    this.account.append(
      el('p', { class: 'stoa-w-who', text: t('widget.signed_in_as', { username: this.user.username }) }),
      this.commentForm(null));
  }

  openSignIn() {
    const button = this.account.querySelector('.stoa-w-signin-open');
    if (button && button.getAttribute('aria-expanded') !== 'true') button.click();
    const field = this.account.querySelector('input');
    if (field) field.focus();
  }

  async signedIn(user) {
    this.user = user;
    await this.load();
    this.announce(t('widget.signed_in_as', { username: user.username }));
    const field = this.account.querySelector('textarea');
    if (field) field.focus();
  }

  /** The form for a new comment (parent null) or a reply to `parent`. */
  commentForm(parent) {
    const fid = `${this.id}-${parent ? `r${parent.id}` : 'new'}`;
    const label = parent ? t('widget.reply_label', { username: authorName(parent) }) : t('widget.comment_label');
    const field = el('textarea', { id: fid, name: 'body', rows: parent ? '3' : '4', required: true, maxlength: '10000' });
    const error = el('p', { class: 'stoa-w-error', id: `${fid}-error`, hidden: true });
    const form = el('form', { class: parent ? 'stoa-w-form stoa-w-reply' : 'stoa-w-form', novalidate: true },
      el('label', { for: fid, text: label }), field, error,
      el('div', { class: 'stoa-w-actions' },
        el('button', { type: 'submit', text: parent ? t('widget.reply_submit') : t('widget.submit') }),
        parent && el('button', { type: 'button', class: 'stoa-w-link', text: t('widget.cancel'), on: { click: () => this.closeReply(form, parent) } })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.post(form, field, error, parent);
    });
    return form;
  }

  async post(form, field, error, parent) {
    const body = field.value;
    if (!body.trim()) return showFieldError(field, error, t('widget.empty'));
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const json = { ...this.target(), body };
      if (parent) json.parent_id = parent.id;
      const comment = await api('POST', '/comments', { json });
      const node = this.renderComment(comment);
      if (parent) {
        this.repliesOf(parent.id).append(node);
        form.remove();
      } else {
        this.list.append(node);
        field.value = '';
        hideFieldError(field, error);
      }
      this.updateHeading();
      node.querySelector('article').focus();
      this.announce(comment.pending ? t('widget.posted_pending') : t('widget.posted'));
    } catch (e) {
      showFieldError(field, error, errorText(e));
    } finally {
      button.disabled = false;
    }
  }

  repliesOf(id) {
    const item = this.list.querySelector(`#${this.id}-c${id}`);
    let ol = item.querySelector(':scope > ol');
    if (!ol) {
      ol = el('ol', { class: 'stoa-w-replies' });
      item.append(ol);
    }
    return ol;
  }

  // --- one comment -----------------------------------------------------------

  renderComment(c) {
    this.comments.set(c.id, c);
    const item = el('li', { class: 'stoa-w-item', id: `${this.id}-c${c.id}`, 'data-comment': c.id });
    item.append(this.renderArticle(c));
    if (c.replies && c.replies.length) item.append(el('ol', { class: 'stoa-w-replies' }, c.replies.map((r) => this.renderComment(r))));
    return item;
  }

  renderArticle(c) {
    const metaId = `${this.id}-m${c.id}`;
    const article = el('article', { class: 'stoa-w-comment', tabindex: '-1', 'aria-labelledby': metaId });
    if (c.deleted) {
      article.classList.add('is-deleted');
      article.append(el('p', { class: 'stoa-w-meta', id: metaId, text: t(c.hidden ? 'widget.hidden' : 'widget.deleted') }));
      return article;
    }
    const meta = el('p', { class: 'stoa-w-meta', id: metaId },
      el('span', { class: 'stoa-w-author', text: authorName(c) }), ' · ',
      el('time', { datetime: c.created_at, text: formatDate(c.created_at) }),
      c.edited_at && ` · ${t('widget.edited')}`,
      c.pending && el('span', { class: 'stoa-w-badge', text: t('widget.pending') }));
    const own = this.user && c.author && c.author.username === this.user.username;
    const moderator = this.user && (this.user.role === 'moderator' || this.user.role === 'admin');
    const actions = el('div', { class: 'stoa-w-actions' },
      this.user && this.user.role !== 'guest' && !c.pending &&
        el('button', { type: 'button', class: 'stoa-w-link', 'data-action': 'reply', text: t('widget.reply'), on: { click: () => this.openReply(c) } }),
      own && Date.now() - Date.parse(c.created_at) < EDIT_WINDOW_MS &&
        el('button', { type: 'button', class: 'stoa-w-link', 'data-action': 'edit', text: t('widget.edit'), on: { click: () => this.openEdit(c) } }),
      (own || moderator) &&
        el('button', { type: 'button', class: 'stoa-w-link', 'data-action': 'delete', text: t('widget.delete'), on: { click: () => this.remove(c) } }));
    article.append(meta, el('p', { class: 'stoa-w-body', text: c.body }), actions);
    return article;
  }

  articleOf(id) {
    return this.list.querySelector(`#${this.id}-c${id} > article`);
  }

  openReply(c) {
    const item = this.list.querySelector(`#${this.id}-c${c.id}`);
    let form = item.querySelector(':scope > form.stoa-w-reply');
    if (!form) {
      form = this.commentForm(c);
      item.querySelector(':scope > article').after(form);
    }
    form.querySelector('textarea').focus();
  }

  closeReply(form, parent) {
    form.remove();
    this.articleOf(parent.id).querySelector('[data-action=reply]').focus();
  }

  openEdit(c) {
    const article = this.articleOf(c.id);
    const fid = `${this.id}-e${c.id}`;
    const field = el('textarea', { id: fid, name: 'body', rows: '4', required: true, maxlength: '10000' });
    field.value = c.body;
    const error = el('p', { class: 'stoa-w-error', id: `${fid}-error`, hidden: true });
    const form = el('form', { class: 'stoa-w-form stoa-w-edit', novalidate: true },
      el('label', { for: fid, text: t('widget.edit_label') }), field, error,
      el('div', { class: 'stoa-w-actions' },
        el('button', { type: 'submit', text: t('widget.save') }),
        el('button', { type: 'button', class: 'stoa-w-link', text: t('widget.cancel'), on: { click: () => done(c) } })));
    const done = (comment) => {
      const fresh = this.renderArticle(comment);
      form.replaceWith(fresh);
      fresh.focus();
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!field.value.trim()) return showFieldError(field, error, t('widget.empty'));
      try {
        const edited = await api('PATCH', `/comments/${c.id}`, { json: { body: field.value } });
        Object.assign(c, { body: edited.body, edited_at: edited.edited_at });
        done(c);
        this.announce(t('widget.saved'));
      } catch (err) {
        showFieldError(field, error, errorText(err));
      }
    });
    article.replaceWith(form);
    field.focus();
  }

  async remove(c) {
    if (!window.confirm(t('widget.confirm_delete'))) return;
    this.clearNotice();
    try {
      await api('DELETE', `/comments/${c.id}`);
    } catch (e) {
      this.fail(e);
      return;
    }
    const item = this.list.querySelector(`#${this.id}-c${c.id}`);
    const hasReplies = item.querySelector(':scope > ol > li');
    c.deleted = true;
    c.body = '';
    let focus;
    if (hasReplies) {
      const placeholder = this.renderArticle(c);
      item.querySelector(':scope > article').replaceWith(placeholder);
      focus = placeholder;
    } else {
      const next = item.nextElementSibling || item.previousElementSibling;
      focus = next ? next.querySelector('article') : this.heading;
      item.remove();
      this.comments.delete(c.id);
    }
    this.updateHeading();
    focus.focus();
    this.announce(t('widget.deleted_done'));
  }
}

function authorName(c) {
  return c.author ? c.author.username : t('widget.deleted_user');
}

function errorText(e) {
  const field = e.errors && e.errors.find((x) => x.field === 'body');
  return field ? (field.message || errorMessage(e)) : errorMessage(e);
}

function showFieldError(field, error, text) {
  error.textContent = text;
  error.hidden = false;
  field.setAttribute('aria-invalid', 'true');
  field.setAttribute('aria-describedby', error.id);
  field.focus();
}

function hideFieldError(field, error) {
  error.hidden = true;
  field.removeAttribute('aria-invalid');
  field.removeAttribute('aria-describedby');
}
