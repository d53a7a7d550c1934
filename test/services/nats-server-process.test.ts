import { describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { NatsServerProcess, findNatsServer } from '../../services/cluster/nats-server-process.js';
import { useNatsServer } from '../helpers/nats-server.js';

describe('nats-server process', () => {
  const server = useNatsServer({ jetstream: true });

  it('serves clients and survives a restart on the same port', async () => {
    const nc = await connect({ servers: server().url, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    const sub = nc.subscribe('t.>', { max: 2 });
    const got: string[] = [];
    const done = (async () => {
      for await (const m of sub) got.push(new TextDecoder().decode(m.data));
    })();
    nc.publish('t.a', 'one');
    await nc.flush();
    await server().restart();
    // The client reconnects on its own and its subscription is re-established.
    for (let i = 0; i < 100 && got.length < 2; i++) {
      nc.publish('t.b', 'two');
      await nc.flush().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
    await done;
    expect(got).toEqual(['one', 'two']);
    await nc.close();
  });

  it('names the Debian package when the binary is missing', () => {
    expect(() => findNatsServer({ PATH: '/nonexistent' } as NodeJS.ProcessEnv, [])).toThrow(
      /install Debian's package 'nats-server'/,
    );
  });

  it('reports a server that cannot start (port taken) instead of hanging', async () => {
    await expect(NatsServerProcess.start({ port: server().port, startTimeoutMs: 3000 })).rejects.toThrow(/nats-server/);
  });
});
