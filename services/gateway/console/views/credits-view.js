/**
 * @module console/views/credits-view
 * Credits: balances and usage per tenant from `GET /v1/credits` (an API of the credits work,
 * issue 16), rendered as tables and bar charts of whatever the JSON holds; "not available"
 * when this gateway answers 404 (the API is not deployed).
 */
import { h, notAvailable } from '../dom.js';
import { renderJson } from '../json-view.js';

/** @param {import('../app.js').ConsoleContext} ctx @param {HTMLElement} el */
export async function renderCredits(ctx, el) {
  el.append(h('h2', {}, 'Credits'));
  try {
    el.append(h('div', { id: 'credits', 'data-state': 'loaded' }, renderJson(await ctx.api.get('/v1/credits'))));
  } catch (err) {
    if (err?.status === 404) el.append(notAvailable('GET /v1/credits'));
    else throw err;
  }
}
