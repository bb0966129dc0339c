import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  /** Port on 127.0.0.1 that forwards to the target. */
  port: number;
  /** Simulates the target going down: live connections are reset, new ones are dropped at once. */
  cut(): void;
  /** The target is back: new connections go through again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy for outage tests: put it between one service and Postgres (or Redis, Kafka) to take the
 * dependency away from that service alone, without stopping the shared server other tests use.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind a TCP port');
  return {
    port: address.port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
