/**
 * @module services/sdk/gateway-http
 * The SDK's HTTP layer over global `fetch`: JSON in and out, authentication by API key or by
 * Ed25519 request signature (same message as the gateway verifies), problem+json replies
 * turned into {@link GatewayProblemError}, and a gateway that does not answer (refused or reset
 * connection, a reply cut off) into {@link GatewayUnreachableError}.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { signRequest } from '../wire/request-signature.js';
import { GatewayProblemError, GatewayUnreachableError } from './errors.js';

/** How a client authenticates. */
export type GatewayCredentials = { apiKey: string } | { signingKey: { keyId: string; secretKey: Uint8Array } };

/** One request. */
export interface GatewayRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A JSON-over-HTTP connection to one gateway. */
export class GatewayHttp {
  readonly baseUrl: string;
  readonly #creds: GatewayCredentials;
  readonly #fetch: typeof fetch;

  constructor(gatewayUrl: string, creds: GatewayCredentials, fetchImpl: typeof fetch = fetch) {
    let u: URL;
    try {
      u = new URL(gatewayUrl);
    } catch (cause) {
      throw new InvalidArgumentError(`gatewayUrl: expected an absolute http(s) URL, got ${JSON.stringify(gatewayUrl)}`, { cause });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(`gatewayUrl: expected http or https, got ${u.protocol}`);
    this.baseUrl = gatewayUrl.replace(/\/+$/, '');
    if ('apiKey' in creds) {
      if (typeof creds.apiKey !== 'string' || creds.apiKey.length === 0) throw new InvalidArgumentError('apiKey: expected a non-empty string');
    } else if (!creds.signingKey || typeof creds.signingKey.keyId !== 'string' || !(creds.signingKey.secretKey instanceof Uint8Array) || creds.signingKey.secretKey.length !== 32) {
      throw new InvalidArgumentError('signingKey: expected { keyId: string, secretKey: 32-byte Uint8Array }');
    }
    this.#creds = creds;
    this.#fetch = fetchImpl;
  }

  /** Authentication headers for a request with these bytes. */
  authHeaders(method: string, path: string, body: Uint8Array): Record<string, string> {
    if ('apiKey' in this.#creds) return { authorization: `Bearer ${this.#creds.apiKey}` };
    return signRequest(this.#creds.signingKey.keyId, this.#creds.signingKey.secretKey, method, path, body);
  }

  /** Sends a request and returns the raw response (2xx), or throws the gateway's problem. */
  async send(req: GatewayRequest): Promise<Response> {
    const bytes = req.body === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(req.body));
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...this.authHeaders(req.method, req.path, bytes), ...req.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(this.baseUrl + req.path, { method: req.method, headers, body: req.body === undefined ? undefined : bytes, signal: req.signal });
    } catch (cause) {
      // The caller's own abort stays what it is; anything else is the gateway being away.
      if (req.signal?.aborted) throw cause;
      throw new GatewayUnreachableError(this.baseUrl, `${req.method} ${req.path}: no reply from`, { cause });
    }
    if (!res.ok) {
      let body: Record<string, unknown> = {};
      try {
        body = (await res.json()) as Record<string, unknown>;
      } catch {
        body = { detail: res.statusText };
      }
      throw new GatewayProblemError(res.status, body as ConstructorParameters<typeof GatewayProblemError>[1]);
    }
    return res;
  }

  /** Sends a request and parses the JSON reply. */
  async json<T>(req: GatewayRequest): Promise<T> {
    const res = await this.send(req);
    try {
      return (await res.json()) as T;
    } catch (cause) {
      if (req.signal?.aborted) throw cause;
      throw new GatewayUnreachableError(this.baseUrl, `${req.method} ${req.path}: the reply was cut off or unreadable from`, { cause });
    }
  }
}
