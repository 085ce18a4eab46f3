// Which page a widget or a badge is about: `data-url` (relative to this
// page), else the canonical link, else this page's address; never a fragment.
export function pageUrl(value) {
  const canonical = document.querySelector('link[rel="canonical"]');
  const url = new URL(value || (canonical && canonical.href) || location.href, location.href);
  url.hash = '';
  return url.href;
}

/** A count in words of the catalog ("1 comment", "3 comments"). */
export function plural(t, key, n) {
  const form = new Intl.PluralRules().select(n) === 'one' ? 'one' : 'other';
  return t(`${key}.${form}`, { n });
}
