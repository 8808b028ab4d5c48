import { Connection, createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { bootstrapApiKey } from '../support/process-client';
import { freePort, ServerProcess, startServer } from '../support/server-process';

export interface FleetOptions {
  /** Server processes, each on its own port (default 2). */
  servers?: number;
  /** Environment of every server (DATABASE_URL and BOOTSTRAP_API_KEY are set here). */
  env?: Record<string, string>;
  /** Extra environment of server `slot` (its adapter, another bootstrap client…). */
  envOf?: (slot: number) => Record<string, string>;
  /** The URL the servers use to reach the database (default: the test database itself, directly). */
  serverDatabaseUrl?: (db: TestDatabase) => string | Promise<string>;
}

interface Slot {
  port: number;
  env: Record<string, string>;
  server?: ServerProcess;
}

/** Settings the reliability servers share: no rate limit in the way of the load, quiet logs. */
const BASE_ENV = { RATE_LIMIT_PER_MINUTE: '100000000', LOG_LEVEL: 'error' };

/**
 * Several real server processes (`dist/src/main.js`, through `startServer`) on one fresh MariaDB
 * database, each bound to a fixed port so that a killed one comes back where clients look for it.
 * `close()` kills every process and drops the database.
 */
export class Fleet {
  kills = 0;
  restarts = 0;
  /** Set by `close()`: loops driving the fleet (chaos, load) stop on it, and nothing restarts. */
  closed = false;

  private constructor(
    readonly db: TestDatabase,
    /** The test's own connection to the database, straight (never through a proxy). */
    readonly sql: Connection,
    readonly apiKey: string,
    private readonly slots: Slot[],
  ) {}

  static async start(options: FleetOptions = {}): Promise<Fleet> {
    const db = await createTestDatabase('mysql');
    const apiKey = bootstrapApiKey();
    const slots: Slot[] = [];
    let sql: Connection | undefined;
    try {
      const databaseUrl = options.serverDatabaseUrl ? await options.serverDatabaseUrl(db) : db.url;
      for (let i = 0; i < (options.servers ?? 2); i++) {
        const env = { ...BASE_ENV, DATABASE_URL: databaseUrl, BOOTSTRAP_API_KEY: apiKey, ...options.env, ...options.envOf?.(i) };
        slots.push({ port: await freePort(), env });
      }
      // One after the other: the first migrates; the others find the schema and the client in place.
      for (const slot of slots) slot.server = await startServer(slot.env, { port: slot.port, timeoutMs: 60_000 });
      sql = await createConnection({ uri: db.url });
      return new Fleet(db, sql, apiKey, slots);
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.server?.kill()));
      await sql?.end();
      await db.drop();
      throw error;
    }
  }

  get size(): number {
    return this.slots.length;
  }

  url(slot: number): string {
    return `http://127.0.0.1:${this.slots[slot].port}`;
  }

  /** The server answering on `slot`'s port, as `call()` wants it. */
  at(slot: number): { url: string } {
    return { url: this.url(slot) };
  }

  isUp(slot: number): boolean {
    return this.slots[slot].server !== undefined;
  }

  /** SIGKILL: the database sees the connections die mid-whatever; nothing of the app runs. */
  async kill(slot: number): Promise<void> {
    const server = this.slots[slot].server;
    this.slots[slot].server = undefined;
    if (!server) return;
    await server.kill();
    this.kills++;
  }

  /** Starts `slot` again on the same port and waits until it is healthy. */
  async restart(slot: number): Promise<void> {
    if (this.slots[slot].server || this.closed) return;
    const server = await startServer(this.slots[slot].env, { port: this.slots[slot].port, timeoutMs: 60_000 });
    if (this.closed) return server.kill(); // closed while it was starting: it must not outlive the suite
    this.slots[slot].server = server;
    this.restarts++;
  }

  /** Everything the processes of `slot` printed (the current one). */
  output(slot: number): string {
    return this.slots[slot].server?.output() ?? '';
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.server?.kill()));
    for (const slot of this.slots) slot.server = undefined;
    await this.sql.end().catch(() => undefined);
    await this.db.drop();
  }
}

/** Counts things by name, for the summaries. */
export class Tally {
  readonly counts: Record<string, number> = {};
  add(name: string | number, n = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }
  get(name: string | number): number {
    return this.counts[name] ?? 0;
  }
  get total(): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A transfer body that carries its own key, so executions can be counted per key in the database. */
export function taggedTransfer(key: string, from: string, to: string, amount: number) {
  return { from_account: from, to_account: to, amount, currency: 'usd', description: key.slice(0, 500), metadata: { idempotency_key: key } };
}
