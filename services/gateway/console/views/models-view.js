/**
 * @module console/views/models-view
 * Models: the published versions (`GET /v1/models`, any role), grouped by name, and each
 * model's rollout history as the audit log records it (`model.*` entries: published, updated,
 * rolled back, deleted; read with the log's search, auditor or admin).
 */
import { h, table, errorPanel } from '../dom.js';

/** @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el */
export async function renderModels(ctx, el) {
  el.append(h('h2', {}, 'Models'));
  const { models } = await ctx.api.get('/v1/models');
  const sorted = [...models].sort((a, b) => (a.name === b.name ? (a.createdAt < b.createdAt ? -1 : 1) : a.name < b.name ? -1 : 1));
  el.append(
    table(
      [
        { title: 'name', cell: (m) => m.name },
        { title: 'version', cell: (m) => m.version },
        { title: 'id', cell: (m) => m.id },
        { title: 'mode', cell: (m) => m.mode },
        { title: 'input shape', cell: (m) => (m.inputShape ? `[${m.inputShape.join(', ')}]` : '') },
        { title: 'precision', cell: (m) => (m.precision ? `f=${m.precision.fractionBits}, error ≤ ${m.precision.errorBound} (${m.precision.errorBoundSource})` : '') },
        { title: 'state', cell: (m) => m.state ?? m.status ?? (m.active === undefined ? '' : m.active ? 'active' : 'inactive') },
        { title: 'published', cell: (m) => m.createdAt },
      ],
      sorted,
      { id: 'models', rowAttrs: (m) => ({ 'data-model': m.id }) },
    ),
  );
  el.append(h('h3', {}, 'Rollout history (from the audit log)'));
  const history = h('div', { id: 'model-history' });
  el.append(history);
  try {
    /** @type {any[]} */
    const entries = [];
    let from = 0;
    for (let step = 0; step < 20; step++) {
      const page = await ctx.api.get('/v1/audit/entries', { type: 'model.*', from, limit: 1000 });
      entries.push(...page.entries);
      if (page.next === undefined) break;
      from = page.next;
    }
    history.replaceChildren(
      table(
        [
          { title: 'seq', cell: (e) => h('a', { href: `#/audit/${e.seq}` }, String(e.seq)) },
          { title: 'time', cell: (e) => e.time },
          { title: 'event', cell: (e) => e.type },
          { title: 'model', cell: (e) => e.modelId },
          { title: 'version', cell: (e) => e.version },
          { title: 'actor', cell: (e) => e.actor },
          { title: 'reason', cell: (e) => e.reason },
        ],
        entries.reverse(),
        { id: 'model-events', rowAttrs: (e) => ({ 'data-type': e.type }) },
      ),
    );
  } catch (err) {
    history.replaceChildren(errorPanel(err));
  }
}
