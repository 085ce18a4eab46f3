// A public profile: /stoa/user.html?u=alice or /stoa/user.html#alice.
import { $, api, t, formatDate, el, clear, errorMessage } from '../stoa.js';
import { boot } from './common.js';

function username() {
  const fromQuery = new URLSearchParams(location.search).get('u');
  return fromQuery || decodeURIComponent(location.hash.slice(1));
}

function safeWebsite(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

async function start() {
  await boot();
  const name = username();
  const box = $('#profile-notice');
  try {
    if (!name) throw new Error('no username');
    const p = await api('GET', `/users/${encodeURIComponent(name)}`);
    document.title = t('user.title_named', { username: p.username });
    $('#profile-name').textContent = p.first_name || p.username;
    $('#profile-handle').textContent = `@${p.username}`;
    const bio = $('#profile-bio');
    bio.hidden = !p.bio;
    bio.textContent = p.bio || '';
    const site = safeWebsite(p.website);
    const dd = clear($('#profile-website'));
    dd.append(site ? el('a', { href: site, rel: 'nofollow ugc noopener', text: p.website }) : el('span', { text: '—' }));
    $('#profile-since').textContent = formatDate(p.created_at);
    const img = $('#profile-picture');
    if (p.picture_url) {
      img.src = p.picture_url;
      img.alt = t('user.picture_alt', { username: p.username });
      img.hidden = false;
    }
    $('#profile').hidden = false;
  } catch (e) {
    box.textContent = e.status === 404 || !name ? t('user.not_found') : errorMessage(e);
    box.hidden = false;
    box.focus();
  }
  document.documentElement.dataset.stoaLoaded = '1';
}

start();
addEventListener('hashchange', () => location.reload());
