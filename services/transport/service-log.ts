/**
 * @module services/transport/service-log
 * Structured log lines of the services: one JSON object per line on stderr (so stdout stays
 * free for command output), or an in-memory list for tests that assert a refusal was logged.
 */

/** Log fields: flat JSON values. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where a service writes what it did and what it refused. */
export interface ServiceLog {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
}

/** A {@link ServiceLog} writing JSON lines tagged with `service` to `write` (default: stderr). */
export function jsonLineLog(service: string, write: (line: string) => void = (l) => process.stderr.write(l)): ServiceLog {
  const emit = (level: string, event: string, fields?: LogFields): void => {
    write(JSON.stringify({ t: new Date().toISOString(), level, service, event, ...fields }) + '\n');
  };
  return { info: (e, f) => emit('info', e, f), warn: (e, f) => emit('warn', e, f) };
}

/** One recorded log entry. */
export interface LogEntry {
  level: 'info' | 'warn';
  event: string;
  fields: LogFields;
}

/** A {@link ServiceLog} that keeps entries in memory (tests, and the `--quiet` CLI mode). */
export class MemoryLog implements ServiceLog {
  readonly entries: LogEntry[] = [];
  info(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', event, fields });
  }
  warn(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', event, fields });
  }
}
