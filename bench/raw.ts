/**
 * The `raw` scenario: the SQL ceiling of a first execution, measured in the same run.
 *
 * The statements are not written here by hand: they are captured from the idempotent server itself,
 * from MariaDB's general query log, around single first-execution requests (`captureFirstExecution`).
 * Two captures of different transfers tell constants (the client's scope, the route, `usd`) from
 * what changes per request; the load then replays the first capture with fresh values in those
 * places, through plain mysql2, with the server's pool size and the scenario's connection count,
 * each request's statements in order on one pooled connection (its own transaction included).
 *
 * Fresh values keep each statement doing the same work as in the app: a new idempotency key, ids,
 * fingerprint and lease owner (the unique indexes see new rows); timestamps shifted by the time
 * since the capture (the lease the completing UPDATE checks is still valid); two random accounts in
 * the same lock order as the captured pair; a new amount. The balances the app computed under its
 * row locks are written back as captured: the replay does not read its own SELECT's results, and a
 * balance is the same 8-byte write whatever its value.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Connection, createConnection, createPool, Pool } from 'mysql2/promise';
import type { Api } from './fixtures';
import { authHeaders } from './fixtures';
import { logged } from './general-log';
import type { Round } from './measure';
import type { ResourceSampler } from './resources';

/** A literal of a captured statement: a quoted string (unescaped) or a number (as written). */
export type Literal = { kind: 'string'; value: string } | { kind: 'number'; text: string };

export interface ParsedStatement {
  /** The statement with every literal replaced by `?`. */
  template: string;
  literals: Literal[];
  /** Sent by the app as a prepared statement (the log's `Execute`, values written in): replayed as one. */
  prepared?: boolean;
}

const UNESCAPE: Record<string, string> = { '0': '\0', n: '\n', r: '\r', Z: '\x1a', t: '\t', b: '\b' };

/**
 * Splits a statement as mysql2 sent it (values escaped into the text) into a `?` template and its
 * literals. Backquoted identifiers are left alone; a number counts only where it is not part of a
 * word (`utf8mb4`, `id0`). A minus sign stays in the template: `-?` with the amount renders the
 * negative leg again.
 */
export function parseStatement(sql: string): ParsedStatement {
  let template = '';
  const literals: Literal[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      template += sql.slice(i, stop);
      i = stop;
    } else if (c === "'") {
      let value = '';
      i++;
      while (i < sql.length) {
        const d = sql[i];
        if (d === '\\' && i + 1 < sql.length) {
          value += UNESCAPE[sql[i + 1]] ?? sql[i + 1];
          i += 2;
        } else if (d === "'" && sql[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      literals.push({ kind: 'string', value });
      template += '?';
    } else if (/[0-9]/.test(c) && !/[A-Za-z0-9_$.@]/.test(sql[i - 1] ?? ' ')) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(sql.slice(i))!;
      literals.push({ kind: 'number', text: match[0] });
      template += '?';
      i += match[0].length;
    } else {
      template += c;
      i++;
    }
  }
  return { template, literals };
}

/** What one captured request was asked to do, to recognise its accounts and amount among the literals. */
export interface CapturedTransfer {
  from: string;
  to: string;
  amount: number;
}

export interface Capture {
  statements: ParsedStatement[];
  transfer: CapturedTransfer;
  /** When the request was sent (ms since the epoch): timestamps are shifted from here. */
  at: number;
}

/**
 * What a literal is, from two captures of different transfers: the same in both (a constant), an
 * account or the amount of the request, a timestamp, a balance (kept), an opaque value that must be
 * new (key, id, fingerprint, lease owner), or a text that embeds such values (a stored response).
 */
export type Role = 'constant' | 'from' | 'to' | 'amount' | 'datetime' | 'kept' | 'token' | 'text';

const SQL_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const ISO_DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z/g;

export interface RawWorkload {
  base: Capture;
  /** One role per literal of each statement of `base`. */
  roles: Role[][];
  /** Each statement's SQL as sent (`sentSql`). */
  sql: string[];
}

/** Compares two captures statement by statement; throws when they are not the same statements. */
export function inferWorkload(base: Capture, other: Capture): RawWorkload {
  const shape = (c: Capture) => c.statements.map((s) => s.template).join('\n');
  if (shape(base) !== shape(other)) {
    throw new Error(`the two captured requests sent different statements:\n${shape(base)}\n---\n${shape(other)}`);
  }
  const roles = base.statements.map((statement, s) =>
    statement.literals.map((literal, l): Role => {
      const twin = other.statements[s].literals[l];
      if (literal.kind === 'number' && twin.kind === 'number') {
        if (literal.text === twin.text) return 'constant';
        if (Number(literal.text) === base.transfer.amount && Number(twin.text) === other.transfer.amount) return 'amount';
        return 'kept';
      }
      if (literal.kind !== 'string' || twin.kind !== 'string') throw new Error(`literal ${l} of statement ${s + 1} changed kind`);
      if (literal.value === twin.value) return 'constant';
      // A prepared statement's integers are bound as text (src/idempotency/transaction-sql.ts).
      if (Math.abs(Number(literal.value)) === base.transfer.amount && Math.abs(Number(twin.value)) === other.transfer.amount) return 'amount';
      if (literal.value === base.transfer.from && twin.value === other.transfer.from) return 'from';
      if (literal.value === base.transfer.to && twin.value === other.transfer.to) return 'to';
      if (SQL_DATETIME.test(literal.value)) return 'datetime';
      return /^[\x21-\x7e]{1,100}$/.test(literal.value) && !/["{}]/.test(literal.value) ? 'token' : 'text';
    }),
  );
  return { base, roles, sql: base.statements.map(sentSql) };
}

const ALPHABET = { digit: '0123456789', lower: 'abcdefghijklmnopqrstuvwxyz', upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' };
const pickFrom = (chars: string) => chars[randomInt(chars.length)];

/** A new value of the same shape: an id keeps its prefix (`tr_…`), letters and digits are redrawn, punctuation kept. */
export function freshToken(old: string): string {
  const id = /^([a-z]{2,4}_)(.+)$/.exec(old);
  if (id) return id[1] + randomBytes(id[2].length).toString('base64url').slice(0, id[2].length);
  return old
    .replace(/[0-9]/g, () => pickFrom(ALPHABET.digit))
    .replace(/[a-z]/g, () => pickFrom(ALPHABET.lower))
    .replace(/[A-Z]/g, () => pickFrom(ALPHABET.upper));
}

function shiftSqlDatetime(value: string, shiftMs: number): string {
  const shifted = new Date(Date.parse(`${value.replace(' ', 'T')}Z`) + shiftMs).toISOString().replace('T', ' ').replace('Z', '');
  const fraction = /\.(\d+)$/.exec(value)?.[1].length ?? 0;
  return fraction ? shifted.slice(0, 20 + Math.min(fraction, 3)).padEnd(20 + fraction, '0') : shifted.slice(0, 19);
}

/** A number spliced in as written (mysql2 calls `toSqlString` instead of escaping). */
const rawNumber = (text: string) => ({ toSqlString: () => text });

export interface Instance {
  sql: string;
  values: unknown[];
  prepared: boolean;
}

/**
 * The captured request's statements with fresh values, for a transfer of `amount` between two
 * accounts `pair` (put in the captured pair's order, so that the row locks are taken in the same order).
 */
export function instantiate(workload: RawWorkload, pair: [string, string], amount: number, now = Date.now()): Instance[] {
  const { base, roles } = workload;
  const ascending = base.transfer.from < base.transfer.to;
  const [low, high] = pair[0] < pair[1] ? pair : [pair[1], pair[0]];
  const from = ascending ? low : high;
  const to = ascending ? high : low;
  const shiftMs = now - base.at;
  const tokens = new Map<string, string>([
    [base.transfer.from, from],
    [base.transfer.to, to],
  ]);
  const fresh = (old: string) => {
    let value = tokens.get(old);
    if (value === undefined) tokens.set(old, (value = freshToken(old)));
    return value;
  };
  // Opaque values first, so that texts embedding them (a stored response) get the same new ones.
  base.statements.forEach((statement, s) =>
    statement.literals.forEach((literal, l) => {
      if (roles[s][l] === 'token' && literal.kind === 'string') fresh(literal.value);
    }),
  );
  const rewriteText = (text: string) => {
    let out = text;
    for (const [old, value] of tokens) out = out.split(old).join(value);
    out = out.replace(ISO_DATETIME, (iso) => new Date(Date.parse(iso) + shiftMs).toISOString());
    return out.replace(new RegExp(`("amount":\\s*-?)${base.transfer.amount}\\b`, 'g'), `$1${amount}`);
  };
  return base.statements.map((statement, s) => ({
    sql: workload.sql[s],
    prepared: statement.prepared ?? false,
    // A prepared statement's numbers are in its SQL already (`sentSql`).
    values: statement.literals.flatMap((literal, l): unknown[] => {
      if (literal.kind === 'number') return statement.prepared ? [] : [rawNumber(roles[s][l] === 'amount' ? String(amount) : literal.text)];
      return [stringValue(literal.value, roles[s][l])];
    }),
  }));

  function stringValue(value: string, role: Role): string {
    switch (role) {
      case 'amount':
        return value.startsWith('-') ? `-${amount}` : String(amount);
      case 'from':
        return from;
      case 'to':
        return to;
      case 'datetime':
        return shiftSqlDatetime(value, shiftMs);
      case 'token':
        return fresh(value);
      case 'text':
        return rewriteText(value);
      default:
        return value;
    }
  }
}

/**
 * A prepared statement as the log shows it, values written in: its strings were bound values (the
 * app binds integers as text too), its numbers part of the statement's own text (the lock wait of a
 * claim's `SET STATEMENT … = 3 FOR`, which no placeholder may stand for). Parsed like any other;
 * `sentSql` writes the numbers back into its SQL, and `instantiate` binds only its strings.
 */
export function preparedStatement(sql: string): ParsedStatement {
  return { ...parseStatement(sql), prepared: true };
}

/**
 * The SQL a statement is sent as: a prepared one with its numbers (those of `base`) written in, and
 * its date values bound like the others (the log writes them as `TIMESTAMP'…'`).
 */
function sentSql(statement: ParsedStatement): string {
  if (!statement.prepared) return statement.template;
  const pieces = statement.template.replace(/\bTIMESTAMP\?/g, '?').split('?');
  return pieces.slice(1).reduce((sql, piece, i) => {
    const literal = statement.literals[i];
    return sql + (literal.kind === 'number' ? literal.text : '?') + piece;
  }, pieces[0]);
}

/** Statements a pooled connection runs once when it opens, not per request: not part of the workload. */
const CONNECTION_SETUP = /^\s*SET\s+SESSION\b/i;

async function sendTransfer(api: Api, key: string, transfer: CapturedTransfer): Promise<void> {
  const body = JSON.stringify({ from_account: transfer.from, to_account: transfer.to, amount: transfer.amount, currency: 'usd' });
  const res = await fetch(`${api.url}/v1/transfers`, { method: 'POST', headers: { ...authHeaders(api), 'idempotency-key': key }, body });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`capture: POST /v1/transfers answered ${res.status}: ${text.slice(0, 300)}`);
}

async function captureOne(admin: Connection, database: string, api: Api, transfer: CapturedTransfer): Promise<Capture> {
  const at = Date.now();
  const key = `bench-capture-${randomBytes(8).toString('hex')}`;
  const rows = await logged(admin, database, () => sendTransfer(api, key, transfer));
  const statements = rows
    .filter((row) => !CONNECTION_SETUP.test(row.argument))
    .map((row) => (row.command_type === 'Execute' ? preparedStatement(row.argument) : parseStatement(row.argument)));
  if (!statements.some((s) => s.literals.some((l) => l.kind === 'string' && l.value === key))) {
    throw new Error('capture: the general log did not show the request (is this the server the database belongs to?)');
  }
  return { statements, transfer, at };
}

/**
 * Sends two first-execution transfers (different accounts and amounts) with the general log on, and
 * infers the workload from them. A background job's statement caught in one capture makes the two
 * differ: then both are taken again (three tries).
 *
 * They go to a new server process like the idempotent one (`startTwin`), on its database: MariaDB
 * writes a prepared statement's values into the log only if the log was on when it was prepared,
 * and the idempotent server prepared its statements while opening and funding the accounts.
 */
export async function captureFirstExecution(
  mysqlUrl: string,
  database: string,
  apiKey: string,
  accounts: string[],
  startTwin: () => Promise<{ url: string; stop(): Promise<void> }>,
): Promise<RawWorkload> {
  const admin = await createConnection({ uri: mysqlUrl });
  const twin = await startTwin();
  const api: Api = { url: twin.url, apiKey };
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const base = await captureOne(admin, database, api, { from: accounts[0], to: accounts[1], amount: 7919 });
        // The same lock order as the first (its accounts are sorted in the locking SELECT): each
        // position of that IN list is then the same role, from or to, in both captures.
        const [low, high] = [accounts[2], accounts[3]].sort();
        const [from, to] = accounts[0] < accounts[1] ? [low, high] : [high, low];
        const other = await captureOne(admin, database, api, { from, to, amount: 6841 });
        return inferWorkload(base, other);
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } finally {
    await twin.stop();
    await admin.end();
  }
}

/** Session settings the app gives each pooled connection (src/database/mysql-session.ts). */
const SESSION = ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'];

/** The raw load: a mysql2 pool the size of the server's, on the idempotent server's database. */
export class RawLoad {
  private constructor(
    private readonly pool: Pool,
    private readonly workload: RawWorkload,
    private readonly accounts: string[],
  ) {}

  static open(databaseUrl: string, poolSize: number, workload: RawWorkload, accounts: string[], socketPath?: string): RawLoad {
    const pool = createPool({
      uri: databaseUrl,
      ...(socketPath ? { socketPath } : {}),
      connectionLimit: poolSize,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      enableKeepAlive: true,
    });
    pool.pool.on('connection', (connection) => {
      for (const sql of SESSION) connection.query(sql);
    });
    return new RawLoad(pool, workload, accounts);
  }

  /** `connections` workers send transactions back to back for `seconds`; each takes a pooled connection per request. */
  async run(seconds: number, connections: number, sampler: ResourceSampler): Promise<Round> {
    const latencies: number[] = [];
    const samples: string[] = [];
    let errors = 0;
    sampler.start();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const connection = await this.pool.getConnection();
        try {
          const from = randomInt(this.accounts.length);
          const to = (from + 1 + randomInt(this.accounts.length - 1)) % this.accounts.length;
          for (const { sql, values, prepared } of instantiate(this.workload, [this.accounts[from], this.accounts[to]], 1 + randomInt(1000))) {
            await (prepared ? connection.execute(sql, values as never) : connection.query(sql, values));
          }
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          if (samples.length < 5) samples.push(`${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message.slice(0, 200)}`);
          await connection.query('ROLLBACK').catch(() => undefined);
        } finally {
          connection.release();
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const elapsed = (performance.now() - started) / 1000;
    return {
      seconds: elapsed,
      latencies,
      statuses: { '2xx': latencies.length },
      replayed: 0,
      samples,
      connectionErrors: errors,
      timeouts: 0,
      usage: sampler.stop(),
    };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
