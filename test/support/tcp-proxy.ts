import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP relay between the application and its database, so a test can take the database away and
 * give it back: `cut()` stops accepting connections (new ones are refused) and destroys every open
 * one, as a crashed or partitioned database would; `restore()` accepts again on the same port.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private listenPort = 0;
  private trigger?: { marker: string; cut: () => void };

  constructor(private readonly target: { host: string; port: number }) {}

  /** The loopback port the proxy listens on (fixed after the first `start`). */
  get port(): number {
    return this.listenPort;
  }

  /** Starts accepting on a free loopback port, or on the same port again after `cut()`. */
  async start(): Promise<number> {
    if (this.server) return this.listenPort;
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listenPort = (server.address() as AddressInfo).port;
    return this.listenPort;
  }

  /** Refuses new connections and destroys all open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /**
   * Cuts (as `cut()`) the moment a client sends bytes containing `marker`, such as the text of a
   * statement, before those bytes reach the database: the client is then mid-way through whatever
   * it was doing. Resolves once the cut is done.
   */
  cutWhenClientSends(marker: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.trigger = { marker, cut: () => this.cut().then(resolve, reject) };
    });
  }

  restore(): Promise<number> {
    return this.start();
  }

  /** Same as `cut()`: for `afterAll`. */
  stop(): Promise<void> {
    return this.cut();
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    // Registered before the pipe, so a triggering chunk is seen (and the link cut) before it is relayed.
    client.on('data', (chunk: Buffer) => {
      const trigger = this.trigger;
      if (trigger && chunk.includes(trigger.marker)) {
        this.trigger = undefined;
        trigger.cut();
      }
    });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      // Either side failing or closing takes the other down with it, as a real broken link would.
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
