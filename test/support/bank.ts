import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankSimulator, FaultKind, startBankSimulator } from '../../src/bank-simulator/bank-simulator.server';

export interface TestBank extends BankSimulator {
  /** Plans a fault for the next matching transfer request(s). */
  fault(fault: FaultKind, options?: { times?: number; reference?: string; delay_ms?: number; code?: string }): Promise<void>;
  /** Each transfer request suffers a random fault with this probability (0 turns it off). */
  randomFaults(rate: number, delayMs?: number): Promise<void>;
  stats(): Promise<{ transfers: number; paid_count: number; paid_total: number; declined_count: number; duplicate_references: number }>;
  /** The bank's transfers for one reference (a payout id). */
  transfersFor(reference: string): Promise<Array<Record<string, any>>>;
  stop(): Promise<void>;
}

/** The bank simulator on a real socket in the test process, its books in a fresh temporary file. */
export async function startTestBank(): Promise<TestBank> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-test-'));
  const bank = await startBankSimulator({ port: 0, databaseFile: join(dir, 'bank.sqlite') });
  return bankClient(bank.url, {
    ...bank,
    stop: async () => {
      await bank.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The control and read API of a bank simulator at `url` (in this process or another). */
export function bankClient<T extends object>(url: string, extra: T): T & Omit<TestBank, keyof BankSimulator | 'stop'> {
  const post = async (path: string, body: object) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`bank simulator refused ${path}: ${res.status} ${await res.text()}`);
  };
  return {
    ...extra,
    fault: (fault, options = {}) => post('/_sim/faults', { fault, ...options }),
    randomFaults: (rate, delayMs) => post('/_sim/random', { rate, delay_ms: delayMs }),
    stats: async () => (await fetch(`${url}/_sim/stats`)).json() as never,
    transfersFor: async (reference) =>
      ((await (await fetch(`${url}/transfers?reference=${encodeURIComponent(reference)}`)).json()) as { data: never[] }).data,
  };
}
