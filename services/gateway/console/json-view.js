/**
 * @module console/json-view
 * Rendering a JSON document the console has no fixed schema for (credits and KPIs, whose APIs
 * are defined elsewhere): numbers and strings as a definition list, an array of objects as a
 * table with an SVG bar chart of each numeric column, an object of numbers as a table and a
 * chart, nested objects as sections. Everything is text nodes; nothing is parsed as markup.
 */
import { h, table } from './dom.js';
import { barChart } from './svg-chart.js';

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : isObj(v) || Array.isArray(v) ? JSON.stringify(v) : String(v ?? ''));

/**
 * @param {unknown} doc @param {string} [title] @param {number} [depth]
 * @returns {HTMLElement}
 */
export function renderJson(doc, title = '', depth = 0) {
  const box = h('section', { class: 'json', 'data-key': title || undefined }, title ? h(depth === 0 ? 'h3' : 'h4', {}, title) : null);
  if (Array.isArray(doc)) {
    if (doc.length > 0 && doc.every(isObj)) {
      const cols = [...new Set(doc.flatMap((r) => Object.keys(r)))];
      box.append(table(cols.map((c) => ({ title: c, cell: (r) => fmt(r[c]) })), doc));
      const label = cols.find((c) => doc.every((r) => typeof r[c] === 'string')) ?? cols[0];
      for (const c of cols.filter((c) => doc.every((r) => typeof r[c] === 'number'))) box.append(barChart(c, doc.map((r) => ({ label: fmt(r[label]), value: r[c] }))));
    } else box.append(h('p', {}, doc.map(fmt).join(', ')));
    return box;
  }
  if (!isObj(doc)) {
    box.append(h('p', {}, fmt(doc)));
    return box;
  }
  const scalars = Object.entries(doc).filter(([, v]) => !isObj(v) && !Array.isArray(v));
  if (scalars.length > 0) {
    box.append(table([{ title: 'name', cell: ([k]) => k }, { title: 'value', cell: ([, v]) => fmt(v) }], scalars));
    const nums = scalars.filter(([, v]) => typeof v === 'number');
    if (nums.length > 1) box.append(barChart(title || 'values', nums.map(([k, v]) => ({ label: k, value: v }))));
  }
  for (const [k, v] of Object.entries(doc)) if (isObj(v) || Array.isArray(v)) box.append(renderJson(v, k, depth + 1));
  return box;
}
