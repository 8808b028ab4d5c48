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
   * statement (sent as text, prepared, or run again by the id it was prepared under), before those
   * bytes reach the database: the client is then mid-way through whatever it was doing. Resolves
   * once the cut is done.
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
    const statements = new PreparedStatements();
    // Registered before the pipe, so a triggering chunk is seen (and the link cut) before it is relayed.
    client.on('data', (chunk: Buffer) => {
      const trigger = this.trigger;
      const sends = (marker: string) => chunk.includes(marker) || statements.executes(chunk)?.includes(marker);
      statements.clientSent(chunk);
      if (trigger && sends(trigger.marker)) {
        this.trigger = undefined;
        trigger.cut();
      }
    });
    upstream.on('data', (chunk: Buffer) => statements.serverSent(chunk));
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

const COM_STMT_PREPARE = 0x16;
const COM_STMT_EXECUTE = 0x17;

/**
 * The statements one connection has prepared, by id, as the MySQL protocol shows them: a prepared
 * statement's text crosses the wire once (COM_STMT_PREPARE, answered with its id), and each run of
 * it after that carries only the id and the values (COM_STMT_EXECUTE). Lets a marker that names a
 * statement's text (`INSERT INTO idempotency_keys`) cut at every run of it, not just its first.
 * Reads the first packet of each chunk: a command and the first answer to a prepare each start a
 * write of their own.
 */
class PreparedStatements {
  private readonly byId = new Map<number, string>();
  private readonly awaitingId: string[] = [];

  clientSent(chunk: Buffer): void {
    if (chunk.length > 4 && chunk[4] === COM_STMT_PREPARE) this.awaitingId.push(chunk.subarray(5).toString('utf8'));
  }

  serverSent(chunk: Buffer): void {
    if (!this.awaitingId.length || chunk.length < 9) return;
    const sql = this.awaitingId.shift()!;
    if (chunk[4] === 0x00) this.byId.set(chunk.readUInt32LE(5), sql); // COM_STMT_PREPARE_OK
  }

  /** The text of the statement this chunk runs, when it runs a prepared one. */
  executes(chunk: Buffer): string | undefined {
    return chunk.length >= 9 && chunk[4] === COM_STMT_EXECUTE ? this.byId.get(chunk.readUInt32LE(5)) : undefined;
  }
}
