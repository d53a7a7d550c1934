/**
 * @module console/views/kpis-view
 * KPIs: latency percentiles per job kind, cost per request, error rate, verification failures,
 * quarantines and plaintext bytes exposed from `GET /v1/kpis` (an API of the KPI work,
 * issue 16), rendered as tables and bar charts of whatever the JSON holds; "not available"
 * when this gateway answers 404 (the API is not deployed).
 */
import { h, notAvailable } from '../dom.js';
import { renderJson } from '../json-view.js';

/** @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el */
export async function renderKpis(ctx, el) {
  el.append(h('h2', {}, 'KPIs'));
  try {
    el.append(h('div', { id: 'kpis', 'data-state': 'loaded' }, renderJson(await ctx.api.get('/v1/kpis'))));
  } catch (err) {
    if (err?.status === 404) el.append(notAvailable('GET /v1/kpis'));
    else throw err;
  }
}
