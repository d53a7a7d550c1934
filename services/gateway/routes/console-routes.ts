/**
 * @module services/gateway/routes/console-routes
 * The web console's static files (services/gateway/console: HTML, ES modules, CSS) at
 * `/console/`. The files are public; everything the console shows comes from the `/v1` API,
 * called by the browser with the user's own API key, so the console sees exactly what that key
 * may see and nothing more. The files are read once, at start, from the source folder found
 * from the package root (the same path from `dist/` and from the TypeScript sources, so a fresh
 * clone after `npm ci` serves them without a copy step); only those files are served, so no
 * request path reaches the file system. A strict Content-Security-Policy allows scripts, styles
 * and API calls from this origin only.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../problems.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The console's Content-Security-Policy: this origin only, no inline script, no framing. */
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The folder of the console's files: `services/gateway/console` under the package root. */
export function consoleDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'services', 'gateway', 'console', 'index.html'))) return join(dir, 'services', 'gateway', 'console');
    const up = dirname(dir);
    if (up === dir) throw new Error('console: services/gateway/console/index.html not found above ' + dirname(fileURLToPath(import.meta.url)));
    dir = up;
  }
}

/** Every servable file under `root`, by URL path relative to it (`views/audit-view.js`). */
function readConsoleFiles(root: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = CONTENT_TYPES[extname(name)];
        if (type) files.set(relative(root, path).split(sep).join('/'), { body: readFileSync(path), type });
      }
    }
  };
  walk(root);
  return files;
}

/** Registers `/console` (a redirect), `/console/` and `/console/<file>` (outside the /v1 scope). */
export function registerConsoleRoutes(app: FastifyInstance, root: string = consoleDirectory()): void {
  const files = readConsoleFiles(root);
  const send = (path: string, reply: import('fastify').FastifyReply) => {
    const f = files.get(path);
    if (!f) throw new ProblemError('not-found', `no console file ${path}`);
    return reply
      .type(f.type)
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(f.body);
  };
  // Not rate-limited: the files come from memory, and one page load is ~20 requests per address
  // (users behind one NAT would use up the per-address budget the API's unauthenticated calls share).
  const hidden = { schema: { hide: true }, config: { rateLimit: false as const } };
  app.get('/console', hidden, async (_request, reply) => reply.redirect('/console/'));
  app.get('/console/', hidden, async (_request, reply) => send('index.html', reply));
  app.get<{ Params: { '*': string } }>('/console/*', hidden, async (request, reply) => send(request.params['*'], reply));
}
