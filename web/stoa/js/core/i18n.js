// Messages from the catalogs in /stoa/i18n/, with {name} placeholders.
import { settings } from './config.js';
import { $$ } from './dom.js';

export const LANGUAGES = ['en', 'de'];
let catalog = {};
let fallback = {};
let language = 'en';

/** The first of navigator.languages we have a catalog for, else English. */
export function pickLanguage(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

// Catalogs per language: core.<lang>.json (errors and the widget: all the
// widget loads) and <lang>.json (Stoa's own pages, which load both).
async function loadCatalog(lang, parts) {
  const load = async (name) => {
    const res = await fetch(`${settings.webBase}/i18n/${name}.json`, { credentials: 'omit' });
    if (!res.ok) throw new Error(`i18n ${name}: ${res.status}`);
    return res.json();
  };
  return Object.assign({}, ...(await Promise.all(parts.map((p) => load(p ? `${p}.${lang}` : lang)))));
}

/** Loads the catalogs for `lang` (English as the fallback); touches no page. */
export async function loadMessages(lang = pickLanguage(), parts = ['core']) {
  language = lang;
  [fallback, catalog] = await Promise.all([
    loadCatalog('en', parts),
    lang === 'en' ? null : loadCatalog(lang, parts).catch(() => null),
  ]);
  catalog ??= fallback;
  return language;
}

/** Loads the catalog for the browser's language and translates the page. */
export async function initI18n(lang = pickLanguage()) {
  await loadMessages(lang, ['core', '']);
  document.documentElement.lang = language;
  translate(document);
  return language;
}

export const currentLanguage = () => language;

/** The message for `key` with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = catalog[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export const hasMessage = (key) => key in catalog || key in fallback;

/** Applies data-i18n (text), data-i18n-{placeholder,aria-label,title,alt}. */
export function translate(root) {
  for (const node of $$('[data-i18n]', root)) node.textContent = t(node.dataset.i18n);
  for (const attr of ['placeholder', 'aria-label', 'title', 'alt', 'content']) {
    const data = `data-i18n-${attr}`;
    for (const node of $$(`[${data}]`, root)) node.setAttribute(attr, t(node.getAttribute(data)));
  }
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}

let dateFormat = null;

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  // One formatter per language: making one costs more than formatting a date.
  if (!dateFormat || dateFormat.language !== language) {
    dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    dateFormat.language = language;
  }
  return dateFormat.format(d);
}

