/**
 * @module services/gateway/metrics
 * A small Prometheus registry and its text exposition format (version 0.0.4): counters,
 * gauges and histograms with labels. Written here rather than pulling in prom-client because
 * the gateway needs only these three types and no default process metrics.
 */

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function key(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Metric {
  readonly name: string;
  expose(): string;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

abstract class Base implements Metric {
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    if (!NAME_RE.test(name)) throw new RangeError(`name: invalid Prometheus metric name ${JSON.stringify(name)}`);
    this.name = name;
    this.help = help;
  }
  protected header(type: string): string {
    return `# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${this.name} ${type}\n`;
  }
  abstract expose(): string;
}

/** A monotonically increasing counter per label set. */
export class Counter extends Base {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  /** Adds `by` (default 1, must be >= 0). */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`by: a counter only increases, got ${by}`);
    const k = key(labels);
    const cur = this.#values.get(k);
    if (cur) cur.value += by;
    else this.#values.set(k, { labels: { ...labels }, value: by });
  }
  /** Current value for `labels` (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(key(labels))?.value ?? 0;
  }
  expose(): string {
    let out = this.header('counter');
    for (const { labels, value } of this.#values.values()) out += `${this.name}${labelText(labels)} ${num(value)}\n`;
    return out;
  }
}

/** A value that goes up and down per label set. */
export class Gauge extends Base {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  set(labels: Labels, value: number): void {
    this.#values.set(key(labels), { labels: { ...labels }, value });
  }
  add(labels: Labels, by: number): void {
    const k = key(labels);
    const cur = this.#values.get(k);
    if (cur) cur.value += by;
    else this.#values.set(k, { labels: { ...labels }, value: by });
  }
  get(labels: Labels = {}): number {
    return this.#values.get(key(labels))?.value ?? 0;
  }
  expose(): string {
    let out = this.header('gauge');
    for (const { labels, value } of this.#values.values()) out += `${this.name}${labelText(labels)} ${num(value)}\n`;
    return out;
  }
}

/** A histogram with fixed upper bounds (cumulative buckets, sum and count) per label set. */
export class Histogram extends Base {
  readonly #bounds: number[];
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]))) {
      throw new RangeError(`bounds: expected finite, strictly increasing bucket bounds for ${name}`);
    }
    this.#bounds = [...bounds];
  }
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.#series.get(k);
    if (!s) {
      s = { labels: { ...labels }, counts: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(k, s);
    }
    for (let i = 0; i < this.#bounds.length; i++) if (value <= this.#bounds[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  /** Number of observations for `labels`. */
  count(labels: Labels = {}): number {
    return this.#series.get(key(labels))?.count ?? 0;
  }
  expose(): string {
    let out = this.header('histogram');
    for (const s of this.#series.values()) {
      this.#bounds.forEach((b, i) => {
        out += `${this.name}_bucket${labelText(s.labels, ['le', num(b)])} ${s.counts[i]}\n`;
      });
      out += `${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}\n`;
      out += `${this.name}_sum${labelText(s.labels)} ${num(s.sum)}\n`;
      out += `${this.name}_count${labelText(s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

/** A set of metrics exposed together. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    if (this.#metrics.some((x) => x.name === m.name)) throw new RangeError(`name: metric ${m.name} is already registered`);
    this.#metrics.push(m);
    return m;
  }
  /** The whole registry in Prometheus text format. */
  expose(): string {
    return this.#metrics.map((m) => m.expose()).join('');
  }
}

/** Media type of the exposition. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
