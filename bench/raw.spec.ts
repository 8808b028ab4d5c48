import { Capture, freshToken, inferWorkload, instantiate, parseStatement, preparedStatement } from './raw';

describe('parseStatement (a statement as mysql2 sent it)', () => {
  it('takes out quoted strings (unescaped) and numbers, leaving identifiers, words and minus signs', () => {
    const parsed = parseStatement("INSERT INTO `t1` (`id0`, a) VALUES ('it\\'s', -42, 'x''y', 3.5) -- utf8mb4");
    expect(parsed.template).toBe('INSERT INTO `t1` (`id0`, a) VALUES (?, -?, ?, ?) -- utf8mb4');
    expect(parsed.literals).toEqual([
      { kind: 'string', value: "it's" },
      { kind: 'number', text: '42' },
      { kind: 'string', value: "x'y" },
      { kind: 'number', text: '3.5' },
    ]);
  });
});

function capture(from: string, to: string, amount: number, key: string, id: string, balance: number, at: string): Capture {
  const body = JSON.stringify({ id, amount, from_account: from, to_account: to, created: at.replace(' ', 'T') + 'Z' });
  const sql = [
    "SELECT * FROM idempotency_keys WHERE scope = 'cli_A' AND idempotency_key = '" + key + "'",
    `SELECT * FROM accounts WHERE id IN ('${[from, to].sort().join("', '")}') FOR UPDATE`,
    `INSERT INTO ledger (id, posting_id, account, amount, created_at) VALUES ('le_${id.slice(3)}', '${id}', '${from}', -${amount}, '${at}')`,
    `UPDATE accounts SET balance = CASE id WHEN '${from}' THEN ${balance} END`,
    `UPDATE idempotency_keys SET status = 'completed', response_status = 201, response_body = '${body.replace(/'/g, "\\'")}' WHERE idempotency_key = '${key}'`,
  ];
  return { statements: sql.map(parseStatement), transfer: { from, to, amount }, at: Date.parse(at.replace(' ', 'T') + 'Z') };
}

describe('the raw workload (two captures, then fresh values)', () => {
  const base = capture('acct_b', 'acct_a', 7919, 'bench-abc-1', 'tr_AAAA', 500, '2026-01-01 10:00:00.000');
  const other = capture('acct_d', 'acct_c', 6841, 'bench-def-2', 'tr_BBBB', 800, '2026-01-01 10:00:01.000');
  const workload = inferWorkload(base, other);

  it("tells constants from the request's accounts, amount, timestamps, balances and opaque values", () => {
    expect(workload.roles[0]).toEqual(['constant', 'token']);
    expect(workload.roles[1]).toEqual(['to', 'from']);
    expect(workload.roles[2]).toEqual(['token', 'token', 'from', 'amount', 'datetime']);
    expect(workload.roles[3]).toEqual(['from', 'kept']);
    expect(workload.roles[4]).toEqual(['constant', 'constant', 'text', 'token']);
  });

  it('fills in a new key and ids everywhere they appear, the accounts in the captured lock order, the amount and shifted times', () => {
    const [read, lock, ledger, balance, complete] = instantiate(workload, ['acct_x', 'acct_y'], 55, Date.parse('2026-01-01T10:00:05.000Z'));
    const newKey = read.values[1] as string;
    expect(newKey).not.toBe('bench-abc-1');
    expect(newKey).toMatch(/^[a-z]{5}-[a-z]{3}-[0-9]$/);
    // The captured transfer went from the higher id to the lower one: so does the new one.
    expect(lock.values).toEqual(['acct_x', 'acct_y']);
    expect(ledger.values[2]).toBe('acct_y');
    expect((ledger.values[3] as { toSqlString(): string }).toSqlString()).toBe('55');
    expect(ledger.values[4]).toBe('2026-01-01 10:00:05.000');
    expect((balance.values[1] as { toSqlString(): string }).toSqlString()).toBe('500');
    expect(complete.values[3]).toBe(newKey);
    const body = JSON.parse(complete.values[2] as string);
    expect(body).toMatchObject({ amount: 55, from_account: 'acct_y', to_account: 'acct_x', created: '2026-01-01T10:00:05.000Z' });
    expect(body.id).toMatch(/^tr_/);
    expect(body.id).not.toBe('tr_AAAA');
    expect(body.id).toBe(ledger.values[1]);
  });

  it('refuses captures that sent different statements', () => {
    const shorter = { ...other, statements: other.statements.slice(1) };
    expect(() => inferWorkload(base, shorter)).toThrow(/different statements/);
  });

  it('keeps an id prefix and the shape of other values', () => {
    expect(freshToken('tr_abcDEF012')).toMatch(/^tr_[A-Za-z0-9_-]{9}$/);
    expect(freshToken('ab-12')).toMatch(/^[a-z]{2}-[0-9]{2}$/);
  });
});

describe('a prepared statement in the capture (the log writes its values in; integers were bound as text)', () => {
  const entry = (from: string, amount: number, id: string, at: string, wait: number): Capture => ({
    statements: [
      preparedStatement(
        `SET STATEMENT innodb_lock_wait_timeout = ${wait} FOR INSERT INTO ledger (id, account, amount, created_at) VALUES ('le_${id}', '${from}', '-${amount}', TIMESTAMP'${at}')`,
      ),
    ],
    transfer: { from, to: 'acct_z', amount },
    at: Date.parse(at.replace(' ', 'T') + 'Z'),
  });
  const workload = inferWorkload(
    entry('acct_b', 7919, 'AAAA', '2026-01-01 10:00:00.000', 3),
    entry('acct_d', 6841, 'BBBB', '2026-01-01 10:00:01.000', 2),
  );

  it('keeps its numbers in the statement, finds the amount in its text (sign included) and replays it prepared', () => {
    expect(workload.sql[0]).toBe(
      'SET STATEMENT innodb_lock_wait_timeout = 3 FOR INSERT INTO ledger (id, account, amount, created_at) VALUES (?, ?, ?, ?)',
    );
    expect(workload.roles[0]).toEqual(['kept', 'token', 'from', 'amount', 'datetime']);
    const [insert] = instantiate(workload, ['acct_x', 'acct_y'], 55, Date.parse('2026-01-01T10:00:05.000Z'));
    expect(insert.prepared).toBe(true);
    expect(insert.values.slice(1)).toEqual(['acct_x', '-55', '2026-01-01 10:00:05.000']);
  });
});
