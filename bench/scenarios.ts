import type { ScenarioName } from './args';
import { CompletedKey, randomTransfer, seededTransfer, uniqueKey } from './fixtures';

/** One scenario: how its requests are made and which non-2xx answers it expects. */
export interface Scenario {
  name: ScenarioName;
  title: string;
  connections: number;
  /** Makes the next request: its Idempotency-Key and body. */
  next(): { key: string; body: string };
  /** Non-2xx statuses this scenario expects (counted apart, not errors). */
  expected: number[];
}

export function baselineScenario(accounts: string[], connections: number): Scenario {
  return {
    name: 'baseline',
    title: 'baseline (IDEMPOTENCY_ENABLED=false)',
    connections,
    expected: [],
    next: () => ({ key: uniqueKey('base'), body: randomTransfer(accounts) }),
  };
}

export function firstExecutionScenario(accounts: string[], connections: number): Scenario {
  return {
    name: 'first',
    title: 'first execution (fresh key)',
    connections,
    expected: [],
    next: () => ({ key: uniqueKey('first'), body: randomTransfer(accounts) }),
  };
}

export function replayScenario(pool: CompletedKey[], connections: number): Scenario {
  return {
    name: 'replay',
    title: `replay (pool of ${pool.length} completed keys)`,
    connections,
    expected: [],
    next: () => pool[Math.floor(Math.random() * pool.length)],
  };
}

/**
 * 16 connections on 4 hot keys at a time. Each generation of 4 keys gets `perGeneration` requests,
 * then the next 4 fresh keys take over: so every key sees one execution, duplicates that arrive
 * while it runs (they wait on its row lock, then replay, or get 409) and replays after it.
 */
export function contendedScenario(accounts: string[], hotKeys = 4, connections = 16, perGeneration = 64): Scenario {
  const prefix = uniqueKey('hot');
  let sent = 0;
  return {
    name: 'contended',
    title: `contended (${connections} connections, ${hotKeys} hot keys)`,
    connections,
    expected: [409],
    next: () => {
      const generation = Math.floor(sent / perGeneration);
      const seed = generation * hotKeys + (sent++ % hotKeys);
      return { key: `${prefix}-${seed}`, body: seededTransfer(accounts, seed) };
    },
  };
}
