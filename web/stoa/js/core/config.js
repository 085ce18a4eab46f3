// Where the API and Stoa's pages live, and how fetch sends credentials.
// Stoa's pages keep the defaults; the widget points them at the origin it
// was loaded from (and sends cookies there when that is another origin).
export const settings = { apiBase: '/api/v1', webBase: '/stoa', credentials: 'same-origin', bearer: '' };

/** Overrides where the API and the pages live (the widget sets these). */
export function configure(options) {
  Object.assign(settings, options);
}
