/**
 * TLS and nkeys on a real nats-server, as `mpc up` configures them (services/cluster/cluster-tls,
 * nats-permissions, transport/nats-connection, credentials-file): a client connects only over
 * TLS to a server certified by the cluster CA, only with a client certificate of that CA, and
 * only with the seed of an nkey the server lists; the server config and the CONNECT line hold
 * no secret. Attacks played: a plaintext client, a client without a certificate, a client
 * trusting another CA (a substituted server), a client with a certificate of another CA, a
 * client with an unknown seed, and a stolen config file used as credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { connect, nkeys, type NatsConnection } from 'nats';
import { NatsServerProcess } from '../../services/cluster/nats-server-process.js';
import { ensureClusterTls, type ClusterTls } from '../../services/cluster/cluster-tls.js';
import { authorizationBlock, type NatsUser } from '../../services/cluster/nats-permissions.js';
import { connectionOptions, connectService, tlsFromEnv } from '../../services/transport/nats-connection.js';
import { readCredentialsFile, writeCredentialsFile } from '../../services/transport/credentials-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-tls-'));
const otherDir = mkdtempSync(join(tmpdir(), 'mpc-tls-other-'));
let tls: ClusterTls;
let other: ClusterTls;
let server: NatsServerProcess;
let config: string;
const seed = (): string => new TextDecoder().decode(nkeys.createUser().getSeed());
const aliceSeed = seed();
const alicePublic = nkeys.fromSeed(new TextEncoder().encode(aliceSeed)).getPublicKey();
const open: NatsConnection[] = [];

/** One connection attempt that must fail: resolves to its error message. */
async function refused(opts: Parameters<typeof connect>[0]): Promise<string> {
  try {
    const nc = await connect({ ...opts, reconnect: false, timeout: 3000 });
    open.push(nc);
    await nc.flush();
    return 'connected';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** What the server says to a client that stays in plaintext: INFO, then its answer to CONNECT and PING. */
async function plaintextSession(port: number): Promise<string> {
  return await new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let got = '';
    let sent = false;
    const done = (): void => {
      sock.destroy();
      resolve(got);
    };
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (!sent && got.includes('\r\n')) {
        sent = true;
        sock.write(`CONNECT {"verbose":false,"pedantic":false,"user":"alice","pass":"${aliceSeed}"}\r\nPING\r\n`);
      }
    });
    sock.on('error', done);
    sock.on('close', done);
    setTimeout(done, 3000);
  });
}

beforeAll(async () => {
  tls = ensureClusterTls(dir, ['alice', 'bob']);
  other = ensureClusterTls(otherDir, ['mallory']);
  const users: NatsUser[] = [{ user: 'alice', nkey: alicePublic, permissions: { publish: ['t.>'], subscribe: ['t.>', '_INBOX.>'] } }];
  config = authorizationBlock(users);
  server = await NatsServerProcess.start({ tls: tls.server, extraConfig: config });
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
});

describe('NATS over TLS with nkeys', () => {
  it('a service with the CA, its client certificate and its seed connects and exchanges messages', async () => {
    expect(server.url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const nc = await connectService({ servers: server.url, user: 'alice', pass: aliceSeed, tls: tls.client('alice') }, 'alice');
    open.push(nc);
    const sub = nc.subscribe('t.x', { max: 1 });
    nc.publish('t.x', new Uint8Array([7]));
    for await (const m of sub) expect(Array.from(m.data)).toEqual([7]);
    const opts = connectionOptions({ servers: server.url, user: 'alice', pass: aliceSeed }, 'alice', {});
    // The seed goes into a signer, never into the CONNECT fields.
    expect(opts.pass).toBeUndefined();
    expect(typeof opts.authenticator).toBe('function');
  });

  it('the server config holds the public key only, and the credentials file the seed with mode 0600', () => {
    expect(config).toContain(alicePublic);
    expect(config).not.toContain(aliceSeed);
    expect(config).not.toMatch(/password/);
    const f = join(dir, 'alice.creds.json');
    writeCredentialsFile(f, { user: 'alice', password: aliceSeed });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual({ user: 'alice', nkeySeed: aliceSeed });
    expect(readCredentialsFile(f)).toEqual({ user: 'alice', password: aliceSeed });
    expect(statSync(join(dir, 'tls', 'alice.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses a plaintext client, a client without a certificate, and one with a certificate of another CA', async () => {
    const auth = connectionOptions({ servers: server.url, pass: aliceSeed }, 'attacker', {});
    // Plaintext: a raw client that answers the INFO line with a CONNECT in clear gets no PONG.
    expect(await plaintextSession(server.port)).not.toContain('PONG');
    expect(await refused({ servers: server.url, authenticator: auth.authenticator, tls: { caFile: tls.caFile } })).toMatch(/bad certificate|certificate required|ECONNRESET/);
    const m = other.client('mallory');
    expect(await refused({ servers: server.url, authenticator: auth.authenticator, tls: { caFile: tls.caFile, certFile: m.certFile, keyFile: m.keyFile } })).toMatch(/bad certificate|unknown ca|ECONNRESET/);
  });

  it('a client that trusts only the cluster CA refuses a server certified by another CA (a substituted broker)', async () => {
    const impostor = await NatsServerProcess.start({ tls: { ...other.server, caFile: tls.caFile }, extraConfig: config });
    try {
      expect(await refused({ ...connectionOptions({ servers: impostor.url, pass: aliceSeed, tls: tls.client('alice') }, 'alice', {}) })).toMatch(/unable to verify|self.signed|certificate/);
    } finally {
      await impostor.stop();
    }
  });

  it('refuses an unknown seed and a public key used as a password, with a valid certificate', async () => {
    const tlsOpts = { caFile: tls.caFile, certFile: tls.client('bob').certFile, keyFile: tls.client('bob').keyFile };
    const unknown = connectionOptions({ servers: server.url, pass: seed() }, 'bob', {});
    expect(await refused({ servers: server.url, authenticator: unknown.authenticator, tls: tlsOpts })).toMatch(/authorization/i);
    // Whoever reads the server config learns only alicePublic: not enough to log in as alice.
    expect(await refused({ servers: server.url, user: 'alice', pass: alicePublic, tls: tlsOpts })).toMatch(/authorization/i);
  });

  it('reuses the CA and certificates on the next start, and reads TLS files from the environment', () => {
    const ca = readFileSync(tls.caFile, 'utf8');
    const cert = readFileSync(tls.client('alice').certFile, 'utf8');
    const again = ensureClusterTls(dir, ['alice', 'carol']);
    expect(readFileSync(again.caFile, 'utf8')).toBe(ca);
    expect(readFileSync(again.client('alice').certFile, 'utf8')).toBe(cert);
    expect(() => again.client('mallory')).toThrow(/no client certificate/);
    expect(tlsFromEnv({})).toBeUndefined();
    expect(tlsFromEnv({ MPC_NATS_TLS_CA: 'ca.pem', MPC_NATS_TLS_CERT: 'c.pem', MPC_NATS_TLS_KEY: 'c.key' })).toEqual({ caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'c.key' });
    expect(() => tlsFromEnv({ MPC_NATS_TLS_CA: 'ca.pem', MPC_NATS_TLS_CERT: 'c.pem' })).toThrow(/both or neither/);
  });
});
