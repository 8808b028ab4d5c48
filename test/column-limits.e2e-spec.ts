import { DataSource } from 'typeorm';
import { bearer, bootTestApp, TestApp } from './support/app';
import { ColumnValue, heaviestMetadata, heaviestTexts, limitOf, maxLengthOf } from './support/column-limits';
import { createTestDatabase, databaseKinds, DbKind, TestDatabase } from './support/databases';
import { databasesAndAdapters, newKey, useSuiteApp } from './support/idempotency-fixtures';
import { paymentsApi } from './support/payments-api';
import { CreateAccountDto } from '../src/payments/dto/create-account.dto';
import { CreateDepositDto } from '../src/payments/dto/create-deposit.dto';
import { CreateTransferDto } from '../src/payments/dto/create-transfer.dto';

interface ColumnRef {
  table: string;
  column: string;
}

/** Every column of every table the migrations made, TypeORM's own included. */
async function schemaColumns(dataSource: DataSource, kind: DbKind): Promise<ColumnRef[]> {
  if (kind === 'mysql') {
    const rows: Array<{ t: string; c: string }> = await dataSource.query(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION',
    );
    return rows.map((row) => ({ table: row.t, column: row.c }));
  }
  const tables: Array<{ name: string }> = await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const columns: ColumnRef[] = [];
  for (const { name } of tables) {
    for (const info of (await dataSource.query(`PRAGMA table_info("${name}")`)) as Array<{ name: string }>) {
      columns.push({ table: name, column: info.name });
    }
  }
  return columns;
}

/**
 * Stores `value` in a copy of the column (same type, length and character set: `CREATE TABLE … AS
 * SELECT` keeps them) and reads it back as text; a failure is the database's own refusal.
 */
async function roundTrip(dataSource: DataSource, kind: DbKind, { table, column }: ColumnRef, value: ColumnValue): Promise<string> {
  const q = (name: string) => (kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
  await dataSource.query(`DROP TABLE IF EXISTS column_probe`);
  await dataSource.query(`CREATE TABLE column_probe AS SELECT ${q(column)} AS v FROM ${q(table)} WHERE 1 = 0`);
  try {
    await dataSource.query('INSERT INTO column_probe (v) VALUES (?)', [value]);
    const [row] = await dataSource.query(`SELECT CAST(v AS ${kind === 'mysql' ? 'CHAR' : 'TEXT'}) AS v FROM column_probe`);
    return String(row.v);
  } finally {
    await dataSource.query('DROP TABLE column_probe');
  }
}

const describeText = (value: ColumnValue) =>
  typeof value === 'number'
    ? String(value)
    : `${value.length} UTF-16 units, ${Buffer.byteLength(value)} bytes: ${JSON.stringify(value.slice(0, 12))}…`;

describe.each(databaseKinds())('every column holds the largest value the validation admits, on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url);
    dataSource = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('every column of every table has a declared limit (test/support/column-limits.ts)', async () => {
    const undeclared = (await schemaColumns(dataSource, kind)).filter((c) => !limitOf(c.table, c.column)).map((c) => `${c.table}.${c.column}`);
    expect(undeclared).toEqual([]);
  });

  it('stores and reads back, unchanged, the largest values of every column', async () => {
    const columns = await schemaColumns(dataSource, kind);
    expect(columns.length).toBeGreaterThan(40);
    const failures: string[] = [];
    let checked = 0;
    for (const ref of columns) {
      for (const value of limitOf(ref.table, ref.column)?.values() ?? []) {
        checked++;
        try {
          const back = await roundTrip(dataSource, kind, ref, value);
          if (back !== String(value)) failures.push(`${ref.table}.${ref.column}: ${describeText(value)} read back as ${describeText(back)}`);
        } catch (error) {
          failures.push(`${ref.table}.${ref.column}: ${describeText(value)} refused: ${(error as Error).message.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(columns.length);
  });
});

/** The same limits through the API: every admitted value is a 2xx (or the route's 404), never a 500. */
describe.each(databasesAndAdapters())('the largest admitted values through the API on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);
  const api = () => paymentsApi(suite.t.http, suite.t.apiKey);
  const keyed = () => ({ ...bearer(suite.t.apiKey), 'Idempotency-Key': newKey('limits') });
  /**
   * Form text with every byte of every value percent-encoded. Control characters (`%01`, three bytes
   * sent, six stored as `\u0001`) fit the body limit only this way; "€" and "😀" fit only as raw
   * UTF-8 in JSON (as `%E2%82%AC` they are nine bytes each).
   */
  const form = (fields: Record<string, string | undefined>) =>
    Object.entries(fields)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${name.replace(/[^[\]A-Za-z0-9_]/g, encodeURIComponent)}=${encodeURIComponent(value)}`)
      .join('&');
  const asForm = (metadata: Record<string, string>) => Object.values(metadata)[0].startsWith('\u0001');
  const metadataFields = (metadata: Record<string, string>) =>
    Object.fromEntries(Object.entries(metadata).map(([key, value]) => [`metadata[${key}]`, value]));

  it('accounts: the longest names and the heaviest metadata are stored and read back unchanged', async () => {
    const names = heaviestTexts(maxLengthOf(CreateAccountDto, 'name'));
    for (const [i, metadata] of heaviestMetadata().entries()) {
      const fields = { name: names[i], currency: 'usd', metadata };
      const request = suite.t.http.post('/v1/accounts').set(bearer(suite.t.apiKey));
      const res = await (asForm(metadata)
        ? request.type('form').send(form({ ...fields, metadata: undefined, ...metadataFields(metadata) }))
        : request.send(fields));
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 201, code: undefined });
      const read = await api().get(`/v1/accounts/${res.body.id}`);
      expect(read.body.name).toBe(names[i]);
      expect(read.body.metadata).toEqual(metadata);
    }
  });

  it('transfers and deposits: the longest descriptions with the heaviest metadata are stored and replayed unchanged', async () => {
    const [from, to] = [await api().openAccount('usd', 1_000), await api().openAccount()];
    const descriptions = heaviestTexts(maxLengthOf(CreateTransferDto, 'description'));
    for (const [i, metadata] of heaviestMetadata().entries()) {
      const headers = keyed();
      const fields = { from_account: from, to_account: to, amount: 1, currency: 'usd', description: descriptions[i] };
      const send = () =>
        asForm(metadata)
          ? suite.t.http
              .post('/v1/transfers')
              .set(headers)
              .type('form')
              .send(form({ ...fields, amount: '1', ...metadataFields(metadata) }))
          : suite.t.http
              .post('/v1/transfers')
              .set(headers)
              .send({ ...fields, metadata });
      const first = await send();
      expect({ status: first.status, code: first.body.code }).toEqual({ status: 201, code: undefined });
      expect(first.body.description).toBe(descriptions[i]);
      expect(first.body.metadata).toEqual(metadata);
      const again = await send();
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.text).toBe(first.text);
    }
    for (const description of heaviestTexts(maxLengthOf(CreateDepositDto, 'description'))) {
      const res = await suite.t.http.post(`/v1/accounts/${to}/deposits`).set(keyed()).send({ amount: 1, currency: 'usd', description });
      expect({ status: res.status, description: res.body.description }).toEqual({ status: 201, description });
    }
  });

  it('a keyed POST naming a very long id is a 404 (stored and replayed as such), not a 500', async () => {
    // Plain: as long as Node admits a request line; percent-escaped: under Fastify's parameter
    // length once decoded, far over the old 2,048-character path column as sent.
    const ids = [`tr_${'x'.repeat(12_000)}`, '%E2%82%AC'.repeat(900)];
    for (const id of ids) {
      const headers = keyed();
      const first = await suite.t.http.post(`/v1/transfers/${id}/reversals`).set(headers).send({});
      expect(first.status).toBe(404);
      expect(first.headers['content-type']).toMatch(/^application\/problem\+json/);
      const again = await suite.t.http.post(`/v1/transfers/${id}/reversals`).set(headers).send({});
      expect(again.status).toBe(404);
      expect((await api().get(`/v1/accounts/${id}`)).status).toBe(404);
    }
  });
});
