// The JSON API client: CSRF header, one token refresh on a 401 about the
// access token (see mayRefreshAfter), problem+json answers as ApiError.
import { settings } from './config.js';
import { t, hasMessage } from './i18n.js';

/** A problem+json answer (or a network failure, status 0) as an Error. */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || (status === 0 ? 'network' : 'internal');
    this.problem = problem;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = problem.request_id || '';
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let refreshing = null;

// A 401 one refresh may cure: expired, refused (e.g. JWT_SECRET rotated) or
// missing access token while stoa_csrf says a session exists.
export function mayRefreshAfter(error) {
  if (!error || error.status !== 401) return false;
  if (error.code === 'token_expired' || error.code === 'token_invalid') return true;
  return error.code === 'unauthorized' && Boolean(settings.bearer || cookie('stoa_csrf'));
}

// Refreshes; if the refresh token is refused too, rejects with `error`.
export async function refreshAfter(error) {
  try {
    await refreshSession();
  } catch (e) {
    throw e instanceof ApiError && e.status === 401 ? error : e;
  }
}

/** POST /auth/refresh once for every caller waiting at the same time. */
export function refreshSession() {
  refreshing ??= send('POST', '/auth/refresh', { json: {} }, false)
    .then((answer) => {
      // A widget on another host holds its access token itself (no readable CSRF cookie).
      if (settings.bearer && answer) settings.bearer = answer.access_token;
      return answer;
    })
    .finally(() => { refreshing = null; });
  return refreshing;
}

async function parseAnswer(res) {
  const type = res.headers.get('Content-Type') || '';
  if (res.status === 204) return null;
  if (type.includes('json')) {
    try { return await res.json(); } catch { return null; }
  }
  return res;
}

async function send(method, path, options, mayRefresh) {
  const headers = new Headers(options.headers || {});
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  }
  if (settings.bearer) headers.set('Authorization', `Bearer ${settings.bearer}`);
  if (UNSAFE.has(method)) {
    const csrf = cookie('stoa_csrf');
    if (csrf) headers.set('X-CSRF-Token', csrf);
  }
  headers.set('Accept', 'application/json, application/problem+json');
  let res;
  try {
    res = await fetch(settings.apiBase + path, { method, headers, body, credentials: settings.credentials });
  } catch (e) {
    throw new ApiError(0, { title: String(e) });
  }
  if (res.ok) return options.raw ? res : parseAnswer(res);
  const problem = (await parseAnswer(res)) || {};
  const error = new ApiError(res.status, problem instanceof Response ? {} : problem);
  if (mayRefresh && mayRefreshAfter(error)) {
    await refreshAfter(error);
    return send(method, path, options, false);
  }
  throw error;
}

/**
 * Calls the JSON API: resolves with the parsed JSON (null for 204), or the
 * Response with `raw: true`; rejects with ApiError. Sends X-CSRF-Token on
 * unsafe methods and refreshes a stale access token once (then retries).
 */
export function api(method, path, options = {}) {
  return send(method.toUpperCase(), path, options, options.refresh !== false);
}

/** The signed-in user, or null when nobody is (401). */
export async function currentUser() {
  // Every sign-in sets the script-readable stoa_csrf cookie: without it
  // nobody is signed in, and asking /me would only log a 401 in the console.
  if (!cookie('stoa_csrf')) return null;
  try {
    return (await api('GET', '/auth/me')).user;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

/** The message to show for an ApiError (or any error). */
export function errorMessage(error) {
  if (error instanceof ApiError) {
    const key = `error.${error.code}`;
    if (hasMessage(key)) return t(key);
    return error.problem.detail || error.problem.title || t('error.internal');
  }
  return t('error.internal');
}

