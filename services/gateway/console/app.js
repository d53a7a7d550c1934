/**
 * @module console/app
 * The console's entry point: sign-in (API key and pinned log key, kept in this tab's
 * sessionStorage), the navigation, and a hash router over the views. Every view gets the same
 * context: the API client for the signed-in key and the pinned log key.
 */
import { gatewayApi } from './api.js';
import { h, errorPanel } from './dom.js';
import { parseLogKey } from './log-key.js';
import { renderAudit, renderEntry } from './views/audit-view.js';
import { renderNodes } from './views/nodes-view.js';
import { renderJobs } from './views/jobs-view.js';
import { renderModels } from './views/models-view.js';
import { renderCredits } from './views/credits-view.js';
import { renderKpis } from './views/kpis-view.js';

const API_KEY_SLOT = 'mpc-console.api-key';
const LOG_KEY_SLOT = 'mpc-console.log-key';

/**
 * @typedef {{ api: ReturnType<typeof gatewayApi>, logKey: import('./log-key.js').LogKey|undefined }} ConsoleContext
 */

/** @type {Record<string, (ctx: ConsoleContext, el: HTMLElement, arg?: string) => Promise<void>>} */
const ROUTES = {
  audit: (ctx, el, arg) => (arg === undefined ? renderAudit(ctx, el) : renderEntry(ctx, el, Number(arg))),
  nodes: renderNodes,
  jobs: renderJobs,
  models: renderModels,
  credits: renderCredits,
  kpis: renderKpis,
};

const main = /** @type {HTMLElement} */ (document.getElementById('view'));
const signInForm = /** @type {HTMLFormElement} */ (document.getElementById('sign-in'));
/** @type {ConsoleContext|undefined} */
let ctx;

async function contextFromSession() {
  const apiKey = sessionStorage.getItem(API_KEY_SLOT);
  if (!apiKey) return undefined;
  const logKeyText = sessionStorage.getItem(LOG_KEY_SLOT);
  return { api: gatewayApi(apiKey), logKey: logKeyText ? await parseLogKey(logKeyText) : undefined };
}

function showSignIn() {
  document.getElementById('nav').hidden = true;
  document.getElementById('identity').hidden = true;
  for (const c of [...main.children]) if (c !== signInForm) c.remove();
  signInForm.hidden = false;
  const given = new URLSearchParams(location.search).get('logKey');
  if (given) /** @type {HTMLInputElement} */ (document.getElementById('log-key')).value = given;
}

function showSignedIn() {
  signInForm.hidden = true;
  document.getElementById('nav').hidden = false;
  document.getElementById('identity').hidden = false;
  const pin = document.getElementById('log-key-pin');
  pin.replaceChildren(
    ctx?.logKey
      ? h('span', { 'data-state': 'pinned' }, `log key ${ctx.logKey.name}, fingerprint `, h('code', { class: 'fp', id: 'log-key-fingerprint' }, ctx.logKey.fingerprint))
      : h('span', { class: 'badge warn', 'data-state': 'unpinned' }, 'no log key pinned: nothing is verified'),
  );
}

async function route() {
  if (!ctx) return showSignIn();
  showSignedIn();
  const [name = 'audit', arg] = location.hash.replace(/^#\/?/, '').split('/');
  const view = ROUTES[name] ?? ROUTES.audit;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  const el = h('section', { id: `view-${ROUTES[name] ? name : 'audit'}`, 'data-loading': 'true' });
  for (const c of [...main.children]) if (c !== signInForm) c.remove();
  main.append(el);
  try {
    await view(ctx, el, arg);
  } catch (err) {
    el.append(errorPanel(err));
  }
  el.removeAttribute('data-loading');
  el.setAttribute('data-ready', 'true');
}

signInForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const errorEl = document.getElementById('sign-in-error');
  errorEl.textContent = '';
  const apiKey = /** @type {HTMLInputElement} */ (document.getElementById('api-key')).value.trim();
  const logKeyText = /** @type {HTMLInputElement} */ (document.getElementById('log-key')).value.trim();
  try {
    const logKey = logKeyText ? await parseLogKey(logKeyText) : undefined;
    const api = gatewayApi(apiKey);
    await api.get('/v1/registry'); // any role: checks that the key authenticates
    sessionStorage.setItem(API_KEY_SLOT, apiKey);
    if (logKey) sessionStorage.setItem(LOG_KEY_SLOT, logKey.text);
    else sessionStorage.removeItem(LOG_KEY_SLOT);
    ctx = { api, logKey };
    if (!location.hash) location.hash = '#/audit';
    else await route();
  } catch (err) {
    errorEl.textContent = `sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
  }
});

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(API_KEY_SLOT);
  sessionStorage.removeItem(LOG_KEY_SLOT);
  ctx = undefined;
  showSignIn();
});

window.addEventListener('hashchange', () => void route());
ctx = await contextFromSession().catch(() => undefined);
await route();
