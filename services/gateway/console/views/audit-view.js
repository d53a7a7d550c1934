/**
 * @module console/views/audit-view
 * The audit log: a paged list (newest page first, {@link PAGE} entries at a time, so a log of
 * 1e5 entries renders one page, never all of it), a search by kind, job and party (filtered by
 * the coordinator, `GET /v1/audit/entries?type=&jobId=&party=`, paged on with `next`), the
 * signed tree head checked on every visit, and an entry's detail with its inclusion and
 * consistency proofs verified in this browser (console/verification).
 */
import { h, table } from '../dom.js';
import { verifyLog } from '../verification.js';

/** Entries per page. */
export const PAGE = 50;

const FAMILIES = ['job.*', 'verification.*', 'model.*', 'dataset.*', 'query.*', 'key.*', 'access.*', 'service.*', 'party.*'];

/** A verdict panel: green verified, red failed, yellow pending, with the checks listed. @param {import('../verification.js').Verdict} v */
export function verdictPanel(v, id = 'verdict') {
  const title = { verified: 'Verified in this browser', failed: 'Verification FAILED', pending: 'Not verifiable yet' }[v.verdict];
  return h(
    'div',
    { id, class: `verdict ${v.verdict}`, 'data-verdict': v.verdict },
    title,
    h('ul', { class: 'checks' }, v.checks.map((c) => h('li', { class: c.ok ? 'ok' : 'bad' }, c.text))),
  );
}

/** @param {import('../app.js').ConsoleContext} ctx */
function noKey(ctx) {
  return ctx.logKey ? undefined : { verdict: /** @type {const} */ ('failed'), checks: [{ ok: false, text: 'no log key is pinned (sign in with the audit log verifier key): nothing can be verified' }] };
}

/** @param {Record<string, any>} e */
const subject = (e) => e.jobId ?? e.modelId ?? e.datasetId ?? e.serviceId ?? e.keyId ?? '';

/** @param {Record<string, any>[]} entries */
function entryTable(entries) {
  return table(
    [
      { title: 'seq', cell: (e) => h('a', { href: `#/audit/${e.seq}` }, String(e.seq)) },
      { title: 'time', cell: (e) => e.time },
      { title: 'kind', cell: (e) => e.type },
      { title: 'actor', cell: (e) => e.actor },
      { title: 'subject', cell: subject },
      { title: 'tenant', cell: (e) => e.tenant },
      { title: 'reason', cell: (e) => e.reason },
    ],
    entries,
    { id: 'audit-entries', rowAttrs: (e) => ({ 'data-seq': e.seq, 'data-type': e.type }), onRow: (e) => (location.hash = `#/audit/${e.seq}`) },
  );
}

/**
 * The list. @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el
 */
export async function renderAudit(ctx, el) {
  el.append(h('h2', {}, 'Audit log'));
  const head = h('div', { id: 'head-check' });
  el.append(head);
  const form = h(
    'form',
    { class: 'toolbar', id: 'audit-search' },
    h('label', {}, 'kind', h('select', { name: 'type' }, h('option', { value: '' }, 'any'), FAMILIES.map((f) => h('option', { value: f }, f)))),
    h('label', {}, 'job id', h('input', { name: 'jobId', size: 24 })),
    h('label', {}, 'party (service id)', h('input', { name: 'party', size: 14 })),
    h('button', { type: 'submit' }, 'Search'),
    h('button', { type: 'button', id: 'audit-clear' }, 'Clear'),
  );
  const pager = h('div', { class: 'toolbar', id: 'audit-pager' });
  const list = h('div', { id: 'audit-list' });
  el.append(form, pager, list);
  void verifyLog(ctx.api, ctx.logKey).then((v) => head.replaceChildren(verdictPanel(noKey(ctx) ?? v, 'head-verdict')));

  /** @param {number|undefined} from - first index of the page (undefined: the newest page) */
  const showPage = async (from) => {
    const probe = from === undefined ? await ctx.api.get('/v1/audit/entries', { from: 0, limit: 1 }) : undefined;
    const size = probe?.treeSize;
    const start = from ?? Math.max(0, size - PAGE);
    const page = await ctx.api.get('/v1/audit/entries', { from: start, limit: PAGE });
    const total = page.treeSize;
    const entries = [...page.entries].reverse();
    list.replaceChildren(h('p', { id: 'audit-count', 'data-tree-size': total }, `${total} entries; showing ${start}–${start + page.entries.length - 1}, newest first`), entryTable(entries));
    pager.replaceChildren(
      h('button', { type: 'button', id: 'page-newer', disabled: start + PAGE >= total ? 'disabled' : undefined, onclick: () => void showPage(Math.min(total - PAGE, start + PAGE)) }, '← newer'),
      h('button', { type: 'button', id: 'page-older', disabled: start === 0 ? 'disabled' : undefined, onclick: () => void showPage(Math.max(0, start - PAGE)) }, 'older →'),
    );
  };

  /** @param {Record<string, string>} filter @param {number} from @param {Record<string, any>[]} shown */
  const search = async (filter, from, shown) => {
    const page = await ctx.api.get('/v1/audit/entries', { ...filter, from, limit: PAGE });
    const all = [...shown, ...page.entries];
    const more = page.next !== undefined;
    list.replaceChildren(h('p', { id: 'audit-count', 'data-matches': all.length }, `${all.length} matching entries${more ? ` (scanned up to ${page.next} of ${page.treeSize})` : ` (whole log of ${page.treeSize} scanned)`}`), entryTable(all));
    pager.replaceChildren(more ? h('button', { type: 'button', id: 'search-more', onclick: () => void search(filter, page.next, all) }, 'more') : '');
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    /** @type {Record<string, string>} */
    const filter = {};
    for (const k of ['type', 'jobId', 'party']) {
      const v = String(data.get(k) ?? '').trim();
      if (v) filter[k] = v;
    }
    const run = Object.keys(filter).length === 0 ? showPage(undefined) : search(filter, 0, []);
    run.catch((err) => list.replaceChildren(h('p', { class: 'error', role: 'alert' }, String(err.message ?? err))));
  });
  form.querySelector('#audit-clear')?.addEventListener('click', () => {
    /** @type {HTMLFormElement} */ (form).reset();
    void showPage(undefined);
  });
  await showPage(undefined);
}

/**
 * One entry, with its proofs verified here. @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el @param {number} index
 */
export async function renderEntry(ctx, el, index) {
  el.append(h('h2', {}, `Audit entry ${index}`), h('p', {}, h('a', { href: '#/audit' }, '← back to the log')));
  if (!Number.isSafeInteger(index) || index < 0) {
    el.append(h('p', { class: 'error' }, 'not an entry index'));
    return;
  }
  const v = noKey(ctx) ?? (await verifyLog(ctx.api, ctx.logKey, index));
  const entry = v.entry ?? (await ctx.api.get('/v1/audit/entries', { from: index, limit: 1 })).entries[0];
  el.append(verdictPanel(v));
  if (!entry) return;
  const links = [];
  if (entry.jobId) links.push(h('a', { href: '#/jobs', 'data-job': entry.jobId }, `job ${entry.jobId}`));
  if (entry.serviceId) links.push(h('a', { href: '#/nodes' }, `node ${entry.serviceId}`));
  if (entry.modelId) links.push(h('a', { href: '#/models' }, `model ${entry.modelId}`));
  el.append(h('p', {}, ...links.flatMap((l) => [l, ' '])), h('pre', { id: 'entry-json' }, JSON.stringify(entry, null, 2)));
}
