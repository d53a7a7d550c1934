/**
 * @module console/dom
 * Building DOM nodes without innerHTML: every text the API returns is set as text, never parsed
 * as markup, so an entry's `reason` cannot inject script into the console.
 */

/**
 * An element: `h('td', { class: 'x', 'data-seq': 3, onclick: f }, 'text', child)`.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/**
 * A table of `rows` with one column per `columns` entry (`cell` returns text or a node).
 * @template T
 * @param {{ title: string, cell: (row: T) => Node|string|number|undefined }[]} columns
 * @param {T[]} rows
 * @param {{ id?: string, onRow?: (row: T) => void, rowAttrs?: (row: T) => Record<string, unknown> }} [opts]
 */
export function table(columns, rows, opts = {}) {
  return h(
    'table',
    { id: opts.id },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.title)))),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { ...(opts.rowAttrs ? opts.rowAttrs(r) : {}), class: opts.onRow ? 'clickable' : undefined, onclick: opts.onRow ? () => opts.onRow?.(r) : undefined },
          columns.map((c) => h('td', {}, c.cell(r) ?? '')),
        ),
      ),
    ),
  );
}

/** A "not available" panel (an API this deployment does not have). @param {string} what */
export function notAvailable(what) {
  return h('p', { class: 'not-available', 'data-state': 'not-available' }, `${what}: not available on this gateway (the API answered 404).`);
}

/** An error panel for a failed API call. @param {unknown} err */
export function errorPanel(err) {
  return h('p', { class: 'error', role: 'alert', 'data-state': 'error' }, err instanceof Error ? err.message : String(err));
}
