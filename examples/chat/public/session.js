// Sign-in state of a page: the short-lived access token lives only in memory (never in localStorage);
// the refresh session is an HttpOnly cookie this script cannot read, sent to POST /api/token to get a
// new access token when the current one is past half its life, when the server asks for a refresh in
// place, or when the server refused it.

/** An error from the API, with its machine-readable `code`. */
export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
    credentials: 'same-origin',
  });
  if (res.status === 204) return {};
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(data.error || `HTTP ${res.status}`, data.code || 'HTTP_' + res.status, res.status);
  return data;
}

export class Session {
  constructor() {
    this.user = null;
    this.token = null;
    this.issuedAt = 0;
    this.expiresAt = 0;
    /** how many tokens this page obtained (the first one included) */
    this.tokensIssued = 0;
    this.pending = null;
  }

  /** Signs in with a password. */
  async login(username, password) {
    return this.accept(await post('/api/login', { username, password }));
  }

  /** Creates an account and signs in. */
  async signup(username, password) {
    return this.accept(await post('/api/signup', { username, password }));
  }

  /** Resumes a session from the refresh cookie; resolves to the user or null (never a failed request). */
  async resume() {
    const data = await post('/api/session');
    return data.user ? this.accept(data) : null;
  }

  /**
   * Returns a token good for at least half its lifetime, fetching a new one when needed (one request
   * at a time, shared by every caller). `force` always fetches.
   */
  async fresh(force = false) {
    const now = Date.now();
    const halfLife = (this.expiresAt - this.issuedAt) / 2;
    if (!force && this.token && this.expiresAt - now > halfLife) return this.token;
    if (!this.pending) {
      this.pending = post('/api/token')
        .then((data) => {
          this.accept(data);
          return this.token;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }

  /** Signs out: the server forgets the refresh session and disconnects this user's sockets. */
  async logout() {
    await post('/api/logout').catch(() => {});
    this.user = this.token = null;
  }

  accept(data) {
    this.user = data.user;
    this.token = data.token;
    // the lifetime left by the server's clock, counted on ours (the two clocks may differ)
    this.issuedAt = Date.now();
    this.expiresAt = this.issuedAt + (data.expiresAt - data.issuedAt);
    this.tokensIssued++;
    return this.user;
  }
}
