/**
 * @module console/svg-chart
 * A horizontal bar chart in SVG, drawn with DOM calls (no library): one bar per value, scaled to
 * the largest absolute value, labelled with the label and the number.
 */
const NS = 'http://www.w3.org/2000/svg';

/** @param {string} tag @param {Record<string, string|number>} attrs @param {string} [text] */
function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * @param {string} title @param {{ label: string, value: number }[]} points
 * @returns {SVGSVGElement}
 */
export function barChart(title, points) {
  const shown = points.slice(0, 40);
  const row = 16;
  const width = 520;
  const left = 160;
  const height = 20 + row * shown.length;
  const max = Math.max(...shown.map((p) => Math.abs(p.value)), 1e-300);
  const svg = /** @type {SVGSVGElement} */ (s('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, 'data-chart': title }));
  svg.append(s('text', { x: 4, y: 12 }, title));
  shown.forEach((p, i) => {
    const y = 18 + i * row;
    const w = Math.max(1, ((width - left - 70) * Math.abs(p.value)) / max);
    svg.append(s('text', { x: 4, y: y + 11 }, p.label.slice(0, 24)), s('rect', { x: left, y, width: w, height: row - 4 }), s('text', { x: left + w + 4, y: y + 11 }, String(Number.isInteger(p.value) ? p.value : p.value.toPrecision(4))));
  });
  return svg;
}
