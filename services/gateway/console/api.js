/**
 * @module console/api
 * The console's only way to the service: the gateway's `/v1` API with the signed-in user's API
 * key as a bearer token. Problems (RFC 9457) become {@link ApiProblem} with the status, the
 * stable problem code and the detail.
 */

/** A non-2xx answer of the API. */
export class ApiProblem extends Error {
  /**
   * @param {number} status
   * @param {string} problem - the last segment of the problem type (`not-found`)
   * @param {string} detail
   */
  constructor(status, problem, detail) {
    super(`${status} ${problem}: ${detail}`);
    this.name = 'ApiProblem';
    this.status = status;
    this.problem = problem;
  }
}

/**
 * A client of the gateway for one API key.
 * @param {string} apiKey
 * @param {string} [base] - origin of the gateway (default: the page's)
 */
export function gatewayApi(apiKey, base = '') {
  return {
    /**
     * GET `path` with the query parameters that are defined; answers the parsed JSON.
     * @param {string} path
     * @param {Record<string, string|number|undefined>} [query]
     */
    async get(path, query = {}) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
      const url = `${base}${path}${q.size > 0 ? `?${q}` : ''}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
      const text = await res.text();
      let body;
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        throw new ApiProblem(res.status, 'malformed-reply', `${path}: the gateway did not answer JSON`);
      }
      if (!res.ok) {
        const type = typeof body?.type === 'string' ? body.type.split(/[/#]/).pop() : 'error';
        throw new ApiProblem(res.status, type, typeof body?.detail === 'string' ? body.detail : res.statusText);
      }
      return body;
    },
  };
}
