import { Connection, createConnection } from 'mysql2/promise';

/**
 * The backstop every reliability run ends with: the ledger and key invariants read straight from a
 * MySQL/MariaDB database (idempotency.md §6), whatever happened to the processes in front of it.
 * No Jest and nothing of `src/` in here: `scripts/check-invariants.ts` runs the same checks on any
 * database (`npm run check:invariants -- --url mysql://…`).
 *
 * Transfers made by the suites carry their key in `metadata.idempotency_key`, so executions can be
 * counted per key: "exactly once" is a property of the data, not of what the clients were told.
 */

export interface InvariantResult {
  name: string;
  ok: boolean;
  /** What was checked, or how it failed. */
  detail: string;
  /** A few offending rows, for the report. */
  examples: string[];
}

export interface InvariantReport {
  results: InvariantResult[];
  ok: boolean;
  rows: Record<'accounts' | 'ledger_entries' | 'transfers' | 'deposits' | 'reversals' | 'idempotency_keys' | 'events', number>;
  keysByStatus: Record<string, number>;
  /** Tagged transfers per key: how many keys executed once, twice… */
  executionsPerKey: Record<string, number>;
}

/** What the run in front of the database saw; shown above the invariants. */
export interface RunStats {
  suite: string;
  seed?: number;
  scale?: number;
  durationMs?: number;
  requests?: number;
  retries?: number;
  kills?: number;
  restarts?: number;
  /** Answers by status (`201`, `503`…) or fault (`network`). */
  answers?: Record<string, number>;
  /** Free-form lines (keys acknowledged, outages, cases…). */
  notes?: string[];
}

export interface CheckOptions {
  /** MySQL schema holding `idempotency_keys` when it is not the database's own (IDEMPOTENCY_SCHEMA). */
  keysSchema?: string;
}

const EXAMPLES = 5;

/** Runs every check on the database behind `target` (a URL or an open connection). */
export async function checkInvariants(target: string | Connection, options: CheckOptions = {}): Promise<InvariantReport> {
  const sql = typeof target === 'string' ? await createConnection({ uri: target }) : target;
  try {
    return await runChecks(sql, options);
  } finally {
    if (typeof target === 'string') await sql.end();
  }
}

async function runChecks(sql: Connection, options: CheckOptions): Promise<InvariantReport> {
  const keys = options.keysSchema ? `\`${options.keysSchema.replace(/`/g, '')}\`.idempotency_keys` : 'idempotency_keys';
  const rows = async (query: string, parameters: unknown[] = []) => (await sql.query<any[]>(query, parameters))[0];
  const results: InvariantResult[] = [];
  const check = (name: string, offending: unknown[], passed: string, show: (row: any) => string) =>
    results.push({
      name,
      ok: offending.length === 0,
      detail: offending.length === 0 ? passed : `${offending.length} violation(s)`,
      examples: offending.slice(0, EXAMPLES).map(show),
    });

  const [total] = await rows('SELECT COALESCE(SUM(amount), 0) AS total, COUNT(*) AS n FROM ledger_entries');
  check('ledger sums to zero', Number(total.total) === 0 ? [] : [total], `${total.n} entries sum to 0`, (r) => `sum ${r.total}`);

  check(
    'every posting balances',
    await rows('SELECT posting_id, SUM(amount) AS total FROM ledger_entries GROUP BY posting_id HAVING SUM(amount) <> 0'),
    'each posting_id sums to 0',
    (r) => `${r.posting_id} sums to ${r.total}`,
  );

  check(
    'balance equals entries',
    await rows(
      `SELECT a.id, a.balance, COALESCE(SUM(l.amount), 0) AS entries FROM accounts a LEFT JOIN ledger_entries l ON l.account_id = a.id
        GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(SUM(l.amount), 0)`,
    ),
    'every account balance is the sum of its entries',
    (r) => `${r.id}: balance ${r.balance}, entries ${r.entries}`,
  );

  check(
    'no negative customer balance',
    await rows("SELECT id, balance FROM accounts WHERE kind = 'customer' AND allow_negative = 0 AND balance < 0"),
    'no customer account below zero',
    (r) => `${r.id}: ${r.balance}`,
  );

  check(
    'reversals within transfer amount',
    await rows(
      `SELECT t.id, t.amount, t.amount_reversed, COALESCE(SUM(r.amount), 0) AS reversals FROM transfers t LEFT JOIN reversals r ON r.transfer_id = t.id
        GROUP BY t.id, t.amount, t.amount_reversed
       HAVING t.amount_reversed < 0 OR t.amount_reversed > t.amount OR t.amount_reversed <> COALESCE(SUM(r.amount), 0)`,
    ),
    '0 <= amount_reversed <= amount, and equal to its reversals',
    (r) => `${r.id}: amount ${r.amount}, amount_reversed ${r.amount_reversed}, reversals ${r.reversals}`,
  );

  check(
    'every transfer has its two entries',
    await rows(
      `SELECT t.id, COUNT(l.id) AS n,
              SUM(CASE WHEN l.account_id = t.from_account AND l.amount = -t.amount THEN 1
                       WHEN l.account_id = t.to_account AND l.amount = t.amount THEN 1 ELSE 0 END) AS matching
         FROM transfers t LEFT JOIN ledger_entries l ON l.posting_id = t.id
        GROUP BY t.id HAVING COUNT(l.id) <> 2 OR matching <> 2`,
    ),
    'exactly -amount on from_account and +amount on to_account',
    (r) => `${r.id}: ${r.n} entries, ${r.matching} matching`,
  );

  check(
    'no entry without its posting',
    await rows(
      `SELECT l.id, l.posting_id, l.posting_type FROM ledger_entries l
        WHERE NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = l.posting_id)
          AND NOT EXISTS (SELECT 1 FROM deposits d WHERE d.id = l.posting_id)
          AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.id = l.posting_id)`,
    ),
    'every entry belongs to a transfer, deposit or reversal',
    (r) => `${r.id}: ${r.posting_type} ${r.posting_id}`,
  );

  check(
    'postings stay within their client',
    await rows(
      `SELECT l.id, l.client_id, a.id AS account, a.client_id AS owner FROM ledger_entries l JOIN accounts a ON a.id = l.account_id
        WHERE a.client_id <> l.client_id
       UNION ALL
       SELECT t.id, t.client_id, a.id, a.client_id FROM transfers t JOIN accounts a ON a.id IN (t.from_account, t.to_account)
        WHERE a.client_id <> t.client_id`,
    ),
    "no entry or transfer touches another client's account",
    (r) => `${r.id} of ${r.client_id} touches ${r.account} of ${r.owner}`,
  );

  check(
    'no committed in_progress key',
    await rows(`SELECT scope, idempotency_key, lease_expires_at FROM ${keys} WHERE status = 'in_progress'`),
    'in-flight claims are never committed',
    (r) => `${r.scope}/${r.idempotency_key} (lease until ${r.lease_expires_at})`,
  );

  check(
    'every completed key has a response',
    await rows(`SELECT scope, idempotency_key FROM ${keys} WHERE status = 'completed' AND (response_status IS NULL OR response_body IS NULL)`),
    'status, headers and body stored',
    (r) => `${r.scope}/${r.idempotency_key}`,
  );

  check('every stored 2xx names an existing object', await missingAcknowledged(sql, keys), 'a replayed success never names a missing object', (r) => r);

  await checkEvents(rows, check);

  const executions = await rows(
    `SELECT JSON_VALUE(metadata, '$.idempotency_key') AS k, COUNT(*) AS n, GROUP_CONCAT(id) AS ids FROM transfers
      WHERE metadata LIKE '%idempotency_key%' GROUP BY JSON_VALUE(metadata, '$.idempotency_key')`,
  );
  check(
    'no key executed twice',
    executions.filter((r) => Number(r.n) > 1),
    `${executions.length} tagged key(s), each executed once`,
    (r) => `${r.k}: ${r.n} transfers (${r.ids})`,
  );
  const executionsPerKey: Record<string, number> = {};
  for (const r of executions) executionsPerKey[String(r.n)] = (executionsPerKey[String(r.n)] ?? 0) + 1;

  const counts = {} as InvariantReport['rows'];
  for (const table of ['accounts', 'ledger_entries', 'transfers', 'deposits', 'reversals', 'events'] as const) {
    counts[table] = Number((await rows(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  }
  const byStatus = await rows(`SELECT status, COUNT(*) AS n FROM ${keys} GROUP BY status`);
  counts.idempotency_keys = byStatus.reduce((sum: number, r: any) => sum + Number(r.n), 0);
  const keysByStatus = Object.fromEntries(byStatus.map((r: any) => [r.status, Number(r.n)]));
  return { results, ok: results.every((r) => r.ok), rows: counts, keysByStatus, executionsPerKey };
}

type Rows = (query: string, parameters?: unknown[]) => Promise<any[]>;
type Check = (name: string, offending: unknown[], passed: string, show: (row: any) => string) => void;

/**
 * The outbox holds exactly what committed: one `transfer.created` per transfer, one
 * `deposit.created` per deposit, one `transfer.reversed` per reversal, and no event about an object
 * that does not exist (it would announce a change that rolled back).
 */
async function checkEvents(rows: Rows, check: Check): Promise<void> {
  for (const [table, type] of [['transfers', 'transfer.created'], ['deposits', 'deposit.created']] as const) {
    check(
      `every ${table.slice(0, -1)} has one ${type} event`,
      await rows(
        `SELECT o.id, COUNT(e.id) AS n FROM ${table} o LEFT JOIN events e ON e.object_id = o.id AND e.type = ?
          GROUP BY o.id HAVING COUNT(e.id) <> 1`,
        [type],
      ),
      `one ${type} event per row of ${table}`,
      (r) => `${r.id}: ${r.n} event(s)`,
    );
  }
  check(
    'every reversal has one transfer.reversed event',
    await rows(
      `SELECT x.id, x.reversals, x.events FROM (
         SELECT t.id,
                (SELECT COUNT(*) FROM reversals r WHERE r.transfer_id = t.id) AS reversals,
                (SELECT COUNT(*) FROM events e WHERE e.object_id = t.id AND e.type = 'transfer.reversed') AS events
           FROM transfers t) x
        WHERE x.reversals <> x.events`,
    ),
    'as many transfer.reversed events as reversals, per transfer',
    (r) => `${r.id}: ${r.reversals} reversal(s), ${r.events} event(s)`,
  );
  check(
    'no event without its object',
    await rows(
      `SELECT e.id, e.type, e.object_id FROM events e
        WHERE (e.type IN ('transfer.created', 'transfer.reversed') AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = e.object_id))
           OR (e.type = 'deposit.created' AND NOT EXISTS (SELECT 1 FROM deposits d WHERE d.id = e.object_id))`,
    ),
    'every event names a committed transfer or deposit',
    (r) => `${r.id}: ${r.type} of missing ${r.object_id}`,
  );
}

const TABLE_BY_OBJECT: Record<string, string> = { transfer: 'transfers', deposit: 'deposits', reversal: 'reversals', account: 'accounts' };

/** Stored successes whose body names an object (`{object, id}`) that is not in its table. */
async function missingAcknowledged(sql: Connection, keys: string): Promise<string[]> {
  const [stored] = await sql.query<any[]>(
    `SELECT scope, idempotency_key AS k, response_body AS body FROM ${keys} WHERE status = 'completed' AND response_status BETWEEN 200 AND 299`,
  );
  const wanted = new Map<string, Array<{ id: string; key: string }>>();
  for (const row of stored) {
    let body: { object?: string; id?: string } | undefined;
    try {
      body = JSON.parse(row.body);
    } catch {
      body = undefined;
    }
    const table = body?.object ? TABLE_BY_OBJECT[body.object] : undefined;
    if (!table || typeof body?.id !== 'string') continue;
    wanted.set(table, [...(wanted.get(table) ?? []), { id: body.id, key: `${row.scope}/${row.k}` }]);
  }
  const missing: string[] = [];
  for (const [table, objects] of wanted) {
    for (let i = 0; i < objects.length; i += 500) {
      const batch = objects.slice(i, i + 500);
      const [found] = await sql.query<any[]>(`SELECT id FROM ${table} WHERE id IN (?)`, [batch.map((o) => o.id)]);
      const present = new Set(found.map((r) => r.id));
      for (const o of batch) if (!present.has(o.id)) missing.push(`${o.key} answered ${o.id}, which is not in ${table}`);
    }
  }
  return missing;
}

/** One screen: what the run did, what the database holds, and every invariant with ✓ or ✗. */
export function formatSummary(report: InvariantReport, run?: RunStats): string {
  const lines: string[] = [];
  if (run) {
    const head = run.seed === undefined ? [] : [`seed ${run.seed}`, `scale ${run.scale ?? 1}`];
    if (run.durationMs !== undefined) head.push(`${(run.durationMs / 1000).toFixed(1)} s`);
    lines.push(`== reliability: ${run.suite}${head.length ? ` (${head.join(', ')})` : ''}`);
    const traffic = [`requests ${run.requests ?? 0}`, `retries ${run.retries ?? 0}`, `kills ${run.kills ?? 0}`];
    if (run.restarts !== undefined) traffic.push(`restarts ${run.restarts}`);
    if (run.requests !== undefined) lines.push(`   ${traffic.join(', ')}`);
    if (run.answers) lines.push(`   answers ${Object.entries(run.answers).map(([k, n]) => `${k}:${n}`).join(' ')}`);
    for (const note of run.notes ?? []) lines.push(`   ${note}`);
  } else {
    lines.push('== invariants');
  }
  const r = report.rows;
  lines.push(
    `   database: ${r.accounts} accounts, ${r.ledger_entries} entries, ${r.transfers} transfers, ${r.deposits} deposits, ` +
      `${r.reversals} reversals, ${r.events} events, ${r.idempotency_keys} keys ${JSON.stringify(report.keysByStatus)}`,
  );
  const perKey = Object.entries(report.executionsPerKey).map(([n, keys]) => `${keys} key(s) x${n}`);
  lines.push(`   executions per tagged key: ${perKey.length ? perKey.join(', ') : 'no tagged transfers'}`);
  for (const result of report.results) {
    lines.push(`   ${result.ok ? '✓' : '✗'} ${result.name}: ${result.detail}`);
    for (const example of result.examples) lines.push(`       ${example}`);
  }
  const failed = report.results.filter((x) => !x.ok).length;
  lines.push(`   ${failed === 0 ? 'all' : `${report.results.length - failed} of`} ${report.results.length} invariants hold`);
  return lines.join('\n');
}
