// Start of every page: translation, then the navigation for whoever is signed in.
import { currentUser, fillNav, startPage } from '../stoa.js';

/** Translates the page and fills the navigation; resolves with the user or null. */
export async function boot({ needUser = false } = {}) {
  await startPage();
  const user = await currentUser().catch(() => null);
  fillNav(user);
  document.documentElement.dataset.stoaReady = '1';
  if (needUser && !user) {
    const here = location.pathname + location.search + location.hash;
    location.assign(`/stoa/login.html?return_to=${encodeURIComponent(here)}`);
    return new Promise(() => {});
  }
  return user;
}
