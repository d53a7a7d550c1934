/**
 * @module services/cluster/nats-server-process
 * Runs a real `nats-server` as a child process on loopback: used by `mpc up` for the local
 * cluster and by integration tests, which start one on a free port and stop it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, appendFileSync, constants, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { MpcError } from '../../crypto-core/errors.js';

/** nats-server is missing, failed to start, or exited unexpectedly. */
export class NatsServerError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('nats-server', message, options);
  }
}

/** Options of one server process. */
export interface NatsServerOptions {
  /** Client port; a free loopback port when omitted. */
  port?: number;
  /** Address the client and route ports listen on (default 127.0.0.1). */
  host?: string;
  /** Run the server inside this network namespace (`ip netns exec`; needs root). */
  netns?: string;
  /** Enable JetStream with file storage under `storeDir`. */
  jetstream?: boolean;
  /** JetStream store directory (a fresh temp dir when omitted and jetstream is on). */
  storeDir?: string;
  /** Extra configuration text appended to the generated config (accounts, authorization, cluster). */
  extraConfig?: string;
  /** Server name (required by JetStream in a cluster). */
  serverName?: string;
  /**
   * Cluster block: this server's route port and the other servers' route URLs; optionally TLS on
   * the route connections (both ways, certificates of `tls.caFile`) and a route user: a server
   * dialling a route must present them (its route URLs carry them: `nats-route://user:pass@host:port`).
   */
  cluster?: { name: string; port: number; routes: string[]; tls?: { certFile: string; keyFile: string; caFile: string }; authorization?: { user: string; password: string } };
  /** Write the generated config here (default: a fresh temporary folder). */
  configFile?: string;
  /** Where the server's log goes (a file), else discarded. */
  logFile?: string;
  /**
   * Largest message the server accepts (default {@link DEFAULT_MAX_PAYLOAD}). Protocol frames
   * are chunked below 1 MiB anyway; larger single messages carry HE evaluation keys and model
   * shares through the coordinator.
   */
  maxPayload?: number;
  /** Milliseconds to wait for the port to accept connections. */
  startTimeoutMs?: number;
  /**
   * TLS on the client port: the server's certificate and key, the CA of client certificates,
   * and whether a client must present one issued by that CA (`verify`, default true).
   */
  tls?: { certFile: string; keyFile: string; caFile: string; verify?: boolean };
}

/** Default `max_payload`: 32 MiB (HE evaluation keys of one client session are ~20 MB). */
export const DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;

/** Finds the nats-server binary on PATH or in /usr/sbin, else throws naming the Debian package. */
export function findNatsServer(
  env: NodeJS.ProcessEnv = process.env,
  fallbackDirs: readonly string[] = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'],
): string {
  const dirs = [...(env.PATH ?? '').split(delimiter), ...fallbackDirs];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, 'nats-server');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  throw new NatsServerError("nats-server not found on PATH or in /usr/sbin: install Debian's package 'nats-server' (apt-get install nats-server)");
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function loopbackPortOpen(port: number): Promise<boolean> {
  return portOpen('127.0.0.1', port);
}

/** The `ip` command (iproute2), for network namespaces. */
export function findIp(): string {
  for (const p of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  throw new NatsServerError("the 'ip' command (Debian package iproute2) is needed for network namespaces");
}

/** True when something accepts TCP connections on `host`:`port`. */
export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** One running nats-server child process. */
export class NatsServerProcess {
  #child: ChildProcess | undefined;
  readonly #configPath: string;
  readonly #opts: NatsServerOptions;
  readonly port: number;
  readonly storeDir: string | undefined;

  private constructor(port: number, configPath: string, storeDir: string | undefined, opts: NatsServerOptions) {
    this.port = port;
    this.#configPath = configPath;
    this.storeDir = storeDir;
    this.#opts = opts;
  }

  /** The address it listens on. */
  get host(): string {
    return this.#opts.host ?? '127.0.0.1';
  }

  /** `nats://127.0.0.1:<port>`, or `tls://...` when the server requires TLS. */
  get url(): string {
    return `${this.#opts.tls ? 'tls' : 'nats'}://${this.host}:${this.port}`;
  }

  /** Starts a server and resolves once its client port accepts connections. */
  static async start(opts: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const port = opts.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'mpc-nats-'));
    const storeDir = opts.jetstream ? (opts.storeDir ?? join(dir, 'js')) : undefined;
    const lines = [`host: ${opts.host ?? '127.0.0.1'}`, `port: ${port}`, `max_payload: ${opts.maxPayload ?? DEFAULT_MAX_PAYLOAD}`];
    if (opts.tls) {
      const t = opts.tls;
      // timeout: seconds for the handshake (the default 0.5 s is short on a loaded machine).
      lines.push(`tls { cert_file: ${JSON.stringify(t.certFile)}, key_file: ${JSON.stringify(t.keyFile)}, ca_file: ${JSON.stringify(t.caFile)}, verify: ${t.verify !== false}, timeout: 5 }`);
    }
    if (opts.serverName) lines.push(`server_name: ${JSON.stringify(opts.serverName)}`);
    if (storeDir) lines.push(`jetstream { store_dir: ${JSON.stringify(storeDir)} }`);
    if (opts.cluster) {
      const routes = opts.cluster.routes.map((r) => JSON.stringify(r)).join(', ');
      const c = opts.cluster;
      const tls = c.tls ? `, tls { cert_file: ${JSON.stringify(c.tls.certFile)}, key_file: ${JSON.stringify(c.tls.keyFile)}, ca_file: ${JSON.stringify(c.tls.caFile)}, verify: true, timeout: 5 }` : '';
      const auth = c.authorization ? `, authorization { user: ${JSON.stringify(c.authorization.user)}, password: ${JSON.stringify(c.authorization.password)}, timeout: 5 }` : '';
      lines.push(`cluster { name: ${JSON.stringify(c.name)}, listen: "${opts.host ?? '127.0.0.1'}:${c.port}", routes: [${routes}]${tls}${auth} }`);
    }
    if (opts.extraConfig) lines.push(opts.extraConfig);
    const configPath = opts.configFile ?? join(dir, 'nats.conf');
    if (opts.configFile) mkdirSync(dirname(opts.configFile), { recursive: true, mode: 0o700 });
    writeFileSync(configPath, lines.join('\n') + '\n', { mode: 0o600 });
    const server = new NatsServerProcess(port, configPath, storeDir, opts);
    await server.#spawn();
    return server;
  }

  async #spawn(): Promise<void> {
    const bin = findNatsServer();
    const ns = this.#opts.netns;
    // `ip netns exec` enters the namespace and execs the server: the child's pid is the server's.
    const child = ns ? spawn(findIp(), ['netns', 'exec', ns, bin, '-c', this.#configPath], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(bin, ['-c', this.#configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    // The server logs to stderr; "Server is ready" there (not a connectable port, which another
    // process might hold) is the readiness signal.
    let stderr = '';
    let ready = false;
    const log = this.#opts.logFile;
    child.stderr?.on('data', (d: Buffer) => {
      if (log) appendFileSync(log, d);
      stderr = (stderr + d.toString()).slice(-4000);
      if (!ready && stderr.includes('Server is ready')) ready = true;
    });
    let exited: number | null | undefined;
    child.once('exit', (code) => {
      exited = code;
    });
    const deadline = Date.now() + (this.#opts.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      if (exited !== undefined) throw new NatsServerError(`nats-server exited with code ${exited} on start: ${stderr.trim()}`);
      if (ready && (await portOpen(this.host, this.port))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    throw new NatsServerError(`nats-server did not accept connections on port ${this.port} within the start timeout: ${stderr.trim()}`);
  }

  /**
   * Reloads the config file (`nats-server --signal reload`: SIGHUP), e.g. after an account file
   * changed; resolves once the server logged the reload, rejects with the server's complaint.
   */
  async reload(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new NatsServerError('reload: the server is not running');
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const onData = (d: Buffer): void => {
        text += d.toString();
        if (text.includes('Reloaded server configuration')) done();
        else if (/\[(ERR|FTL)\].*reload/i.test(text)) done(new NatsServerError(`reload refused: ${text.trim().slice(-500)}`));
      };
      const timer = setTimeout(() => done(new NatsServerError(`reload not confirmed within ${timeoutMs} ms: ${text.trim().slice(-500)}`)), timeoutMs);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        if (err) reject(err);
        else resolve();
      };
      child.stderr?.on('data', onData);
      child.kill('SIGHUP');
    });
  }

  /** Stops the server (SIGTERM, then SIGKILL after 3 s). Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Kills the server with `signal` (fault drills: SIGKILL, no shutdown) and resolves once it exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Starts a stopped or killed server again, same port, config and store. */
  async start(): Promise<void> {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return;
    await this.#spawn();
  }

  /** Stops and starts the server again on the same port with the same store (a broker restart). */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#spawn();
  }
}
