/**
 * @module console/views/nodes-view
 * Nodes: the registered services and their liveness (`GET /v1/registry`), each party's
 * reputation as the coordinator computed it from the audit log, the quarantines in force and
 * their evidence, linked to the evidence entries (`GET /v1/admin/parties/reputation`, auditor or
 * admin). `mpc audit reputation` over an export recomputes the same numbers.
 */
import { h, table, errorPanel } from '../dom.js';

/** @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el */
export async function renderNodes(ctx, el) {
  el.append(h('h2', {}, 'Nodes'));
  const { services } = await ctx.api.get('/v1/registry');
  /** @type {Map<string, any>} */
  let reputation = new Map();
  /** @type {any[]} */
  let quarantined = [];
  let repError;
  try {
    const r = await ctx.api.get('/v1/admin/parties/reputation');
    const report = JSON.parse(r.report);
    reputation = new Map(report.parties.map((p) => [p.serviceId, p]));
    quarantined = r.quarantined;
    el.append(h('p', { class: 'hint' }, `reputation over ${report.entries} audit entries; quarantine below score ${report.thresholds.minScore} or after ${report.thresholds.minGone} disappearances, or on proven cheating`));
  } catch (err) {
    repError = err;
  }
  const q = new Map(quarantined.map((x) => [x.serviceId, x]));
  const badge = (cls, text) => h('span', { class: `badge ${cls}` }, text);
  el.append(
    table(
      [
        { title: 'id', cell: (s) => s.id },
        { title: 'kind', cell: (s) => s.kind },
        { title: 'index', cell: (s) => s.index },
        { title: 'status', cell: (s) => badge(s.status === 'up' ? 'ok' : 'bad', s.status) },
        { title: 'score', cell: (s) => reputation.get(s.id)?.score?.toFixed?.(3) ?? '' },
        { title: 'jobs / completed / gone / accused', cell: (s) => (reputation.has(s.id) ? ['jobs', 'completed', 'gone', 'accusations'].map((k) => reputation.get(s.id)[k]).join(' / ') : '') },
        { title: 'quarantine', cell: (s) => (q.has(s.id) ? badge('bad', 'quarantined') : reputation.get(s.id)?.quarantine ? badge('warn', 'below threshold (not enforced)') : s.kind === 'party' ? badge('ok', 'in service') : '') },
        {
          title: 'evidence',
          cell: (s) => {
            const rec = q.get(s.id);
            if (!rec) return reputation.get(s.id)?.because ?? '';
            return h('span', {}, `${rec.because} (since ${rec.since}): `, ...rec.evidenceSeq.flatMap((seq) => [h('a', { href: `#/audit/${seq}`, class: 'evidence', 'data-seq': seq }, `#${seq}`), ' ']));
          },
        },
      ],
      services,
      { id: 'nodes', rowAttrs: (s) => ({ 'data-id': s.id, 'data-quarantined': q.has(s.id) ? 'true' : 'false' }) },
    ),
  );
  if (repError) el.append(errorPanel(repError));
}
