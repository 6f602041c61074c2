// The unit's HTTP API (JSON, camelCase). Errors carry the unit's own words and the route they came from.

export class ApiError extends Error {
  constructor(status, message, retryAfterSeconds = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A screen that is not (or no longer) paired goes back to the pairing page. */
export function goToPairing() {
  location.assign('/pair');
}

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, `${method} ${path}: the unit does not answer (${error.message})`);
  }
  if (response.status === 401) {
    goToPairing();
    throw new ApiError(401, 'This screen is not paired with the unit any more.');
  }
  const text = response.status === 204 ? '' : await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, `${method} ${path}: the unit answered HTTP ${response.status} with something that is not JSON`);
    }
  }
  if (!response.ok) {
    const words = data && typeof data.error === 'string' ? data.error : `HTTP ${response.status}`;
    throw new ApiError(response.status, `${words} (${method} ${path})`, data ? data.retryAfterSeconds ?? null : null);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
