/**
 * @module console/views/jobs-view
 * Jobs: the gateway has no list of jobs, so this view reads them from the audit log (the job
 * events of the newest {@link WINDOW} entries, auditor or admin), one row per job with its last
 * state, and looks a job of the signed-in tenant up by id (`GET /v1/jobs/{id}`, any role).
 */
import { h, table, errorPanel } from '../dom.js';

/** Log entries the list reads per step back. */
export const WINDOW = 1000;

/** @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el */
export async function renderJobs(ctx, el) {
  el.append(h('h2', {}, 'Jobs'));
  const lookup = h('form', { class: 'toolbar', id: 'job-lookup' }, h('label', {}, 'job id (your tenant)', h('input', { name: 'jobId', size: 30 })), h('button', { type: 'submit' }, 'Look up'));
  const found = h('div', { id: 'job-status' });
  lookup.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = String(new FormData(/** @type {HTMLFormElement} */ (lookup)).get('jobId') ?? '').trim();
    ctx.api.get(`/v1/jobs/${encodeURIComponent(id)}`).then(
      (r) => found.replaceChildren(h('pre', {}, JSON.stringify(r.job, null, 2))),
      (err) => found.replaceChildren(errorPanel(err)),
    );
  });
  el.append(lookup, found);
  const listEl = h('div', { id: 'jobs-list' });
  el.append(listEl);
  /** @type {Map<string, any>} */
  const jobs = new Map();
  const show = async (from) => {
    const page = await ctx.api.get('/v1/audit/entries', { from: 0, limit: 1 });
    const start = from ?? Math.max(0, page.treeSize - WINDOW);
    for (let at = start; at < Math.min(page.treeSize, start + WINDOW); ) {
      const p = await ctx.api.get('/v1/audit/entries', { from: at, limit: 1000 });
      if (p.entries.length === 0) break;
      for (const e of p.entries) {
        if (!e.jobId || !(e.type.startsWith('job.') || e.type === 'verification.failed' || e.type === 'query.run')) continue;
        const j = jobs.get(e.jobId) ?? { id: e.jobId, first: e.time, events: [] };
        j.last = e.type;
        j.time = e.time;
        j.tenant = e.tenant ?? j.tenant;
        j.parties = e.parties ?? j.parties;
        j.security = e.security ?? j.security;
        j.reason = e.reason ?? j.reason;
        j.events.push(e.seq);
        jobs.set(e.jobId, j);
      }
      at = p.entries.at(-1).seq + 1;
    }
    const rows = [...jobs.values()].sort((a, b) => (a.time < b.time ? 1 : -1));
    listEl.replaceChildren(
      h('p', { id: 'jobs-count', 'data-count': rows.length }, `${rows.length} jobs in log entries ${start}–${page.treeSize - 1}`),
      table(
        [
          { title: 'job', cell: (j) => j.id },
          { title: 'last event', cell: (j) => h('span', { class: `badge ${/failed/.test(j.last) ? 'bad' : j.last === 'job.verified' ? 'ok' : 'warn'}` }, j.last) },
          { title: 'time', cell: (j) => j.time },
          { title: 'tenant', cell: (j) => j.tenant },
          { title: 'security', cell: (j) => j.security },
          { title: 'parties', cell: (j) => j.parties?.join(', ') },
          { title: 'reason', cell: (j) => j.reason },
          { title: 'entries', cell: (j) => h('span', {}, ...j.events.flatMap((s) => [h('a', { href: `#/audit/${s}` }, `#${s}`), ' '])) },
        ],
        rows,
        { id: 'jobs', rowAttrs: (j) => ({ 'data-job': j.id, 'data-last': j.last }) },
      ),
      start > 0 ? h('button', { type: 'button', id: 'jobs-older', onclick: () => void show(Math.max(0, start - WINDOW)) }, 'older jobs') : '',
    );
  };
  try {
    await show(undefined);
  } catch (err) {
    listEl.replaceChildren(errorPanel(err));
  }
}
