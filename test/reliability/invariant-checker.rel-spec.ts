import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { call, depositOn, openAccountOn } from '../support/process-client';
import { Fleet, taggedTransfer } from './fleet';
import { checkInvariants, formatSummary } from './invariants';

const CLI = join(__dirname, '..', '..', 'dist', 'scripts', 'check-invariants.js');

/**
 * The checker every reliability run ends with must itself be able to fail: on a database the API
 * wrote, every invariant holds; then each kind of damage, made by hand in a transaction the test
 * rolls back, is reported under its own name. `npm run check:invariants` exits 0 on the healthy
 * database and 1 on a damaged one.
 */
describe('the invariant checker', () => {
  let fleet: Fleet;
  const made = { from: '', to: '', transfer: '', key: '' };

  beforeAll(async () => {
    fleet = await Fleet.start({ servers: 1 });
    made.from = await openAccountOn(fleet.at(0), fleet.apiKey);
    made.to = await openAccountOn(fleet.at(0), fleet.apiKey);
    await depositOn(fleet.at(0), fleet.apiKey, made.from, 10_000);
    made.key = `checked-${randomUUID()}`;
    const sent = await call(fleet.at(0), fleet.apiKey, 'POST', '/v1/transfers', { body: taggedTransfer(made.key, made.from, made.to, 2_500), key: made.key });
    made.transfer = sent.body.id;
    const back = await call(fleet.at(0), fleet.apiKey, 'POST', `/v1/transfers/${made.transfer}/reversals`, { body: { amount: 500 }, key: `back-${randomUUID()}` });
    expect([sent.status, back.status]).toEqual([201, 201]);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  }, 60_000);

  it('finds every invariant holding on what the API wrote', async () => {
    const report = await checkInvariants(fleet.sql);
    console.log(formatSummary(report, { suite: 'invariant checker (healthy database)' }));
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.executionsPerKey).toEqual({ 1: 1 });
  });

  const damage: Array<[string, (m: typeof made) => [string, unknown[]]]> = [
    ['ledger sums to zero', (m) => ['UPDATE ledger_entries SET amount = amount + 1 WHERE posting_id = ? AND amount > 0', [m.transfer]]],
    ['every posting balances', (m) => ['UPDATE ledger_entries SET amount = amount - 7 WHERE posting_id = ? AND amount < 0', [m.transfer]]],
    ['balance equals entries', (m) => ['UPDATE accounts SET balance = balance + 5 WHERE id = ?', [m.to]]],
    ['no negative customer balance', (m) => ['UPDATE accounts SET balance = -1 WHERE id = ?', [m.to]]],
    ['reversals within transfer amount', (m) => ['UPDATE transfers SET amount_reversed = amount + 1 WHERE id = ?', [m.transfer]]],
    ['every transfer has its two entries', (m) => ["UPDATE ledger_entries SET account_id = ? WHERE posting_id = ? AND amount > 0", [m.from, m.transfer]]],
    ['no entry without its posting', (m) => ["UPDATE ledger_entries SET posting_id = 'tr_gone' WHERE posting_type = 'reversal' AND account_id = ?", [m.from]]],
    ['postings stay within their client', (m) => ["UPDATE transfers SET client_id = 'cli_someone_else' WHERE id = ?", [m.transfer]]],
    ['no committed in_progress key', (m) => ["UPDATE idempotency_keys SET status = 'in_progress' WHERE idempotency_key = ?", [m.key]]],
    ['every completed key has a response', (m) => ['UPDATE idempotency_keys SET response_body = NULL WHERE idempotency_key = ?', [m.key]]],
    ['every stored 2xx names an existing object', (m) => ["UPDATE transfers SET id = 'tr_renamed' WHERE id = ?", [m.transfer]]],
    [
      'no key executed twice',
      (m) => [
        `INSERT INTO transfers (id, client_id, from_account, to_account, amount, amount_reversed, currency, status, description, metadata, created_at)
         SELECT 'tr_twice', client_id, from_account, to_account, amount, 0, currency, status, description, metadata, created_at FROM transfers WHERE id = ?`,
        [m.transfer],
      ],
    ],
    ['every transfer has one transfer.created event', (m) => ["DELETE FROM events WHERE object_id = ? AND type = 'transfer.created'", [m.transfer]]],
    ['every deposit has one deposit.created event', () => ["DELETE FROM events WHERE type = 'deposit.created'", []]],
    ['every reversal has one transfer.reversed event', (m) => ["DELETE FROM events WHERE object_id = ? AND type = 'transfer.reversed'", [m.transfer]]],
    [
      'no event without its object',
      () => ["INSERT INTO events (id, client_id, type, object_id, data, created_at) VALUES ('evt_orphan', 'cli_x', 'transfer.created', 'tr_rolledback', '{}', NOW(3))", []],
    ],
  ];

  it.each(damage)('reports "%s" when the data is damaged so', async (name, corrupt) => {
    const [statement, parameters] = corrupt(made);
    await fleet.sql.beginTransaction();
    try {
      await fleet.sql.query(statement, parameters);
      const report = await checkInvariants(fleet.sql);
      expect(report.ok).toBe(false);
      expect(report.results.filter((r) => !r.ok).map((r) => r.name)).toContain(name);
      expect(report.results.find((r) => r.name === name)!.examples.length).toBeGreaterThan(0);
    } finally {
      await fleet.sql.rollback();
    }
  });

  it('npm run check:invariants exits 0 on the healthy database, 1 with a summary naming the violation on a damaged one', async () => {
    expect(existsSync(CLI)).toBe(true); // built by `npm run test:reliability` (nest build)
    const healthy = await runCli(['--url', fleet.db.url]);
    expect({ code: healthy.code, all: /all \d+ invariants hold/.test(healthy.stdout) }).toEqual({ code: 0, all: true });

    await fleet.sql.query('UPDATE accounts SET balance = balance + 1 WHERE id = ?', [made.to]);
    try {
      const damaged = await runCli([`--url=${fleet.db.url}`]);
      expect(damaged.code).toBe(1);
      expect(damaged.stdout).toMatch(/✗ balance equals entries: 1 violation/);
      expect(damaged.stdout).toContain(made.to);
    } finally {
      await fleet.sql.query('UPDATE accounts SET balance = balance - 1 WHERE id = ?', [made.to]);
    }
    const unusable = await runCli(['--url', 'postgres://nowhere/db']);
    expect(unusable.code).toBe(2);
  });
});

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
