import { KeyUsageRecorder, LAST_USED_RESOLUTION_MS } from './key-usage.recorder';

function setUp(fail = false) {
  const execute = jest.fn(async () => {
    if (fail) throw new Error('connection lost');
    return { affected: 1 };
  });
  const builder: Record<string, jest.Mock> = {};
  for (const step of ['createQueryBuilder', 'update', 'set', 'where', 'andWhere']) builder[step] = jest.fn(() => builder);
  builder.execute = execute;
  const dataSource = { isInitialized: true, getRepository: () => builder };
  return { recorder: new KeyUsageRecorder(dataSource as never), builder, execute };
}

describe('KeyUsageRecorder', () => {
  const t0 = new Date('2026-11-30T12:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('writes last use at most once per key per minute, after the caller has returned', async () => {
    const { recorder, builder, execute } = setUp();
    expect(recorder.used('key_a', t0)).toBe(true);
    expect(execute).not.toHaveBeenCalled(); // off the request's path
    expect(recorder.used('key_a', at(1_000))).toBe(false);
    expect(recorder.used('key_a', at(LAST_USED_RESOLUTION_MS - 1))).toBe(false);
    expect(recorder.used('key_b', at(1_000))).toBe(true);
    await recorder.beforeApplicationShutdown();
    expect(execute).toHaveBeenCalledTimes(2);
    expect(builder.set).toHaveBeenCalledWith({ lastUsedAt: t0 });

    expect(recorder.used('key_a', at(LAST_USED_RESOLUTION_MS))).toBe(true);
    await recorder.beforeApplicationShutdown();
    expect(execute).toHaveBeenCalledTimes(3);
  });

  it('only moves the row forward, so several processes write it at most every 30 s', async () => {
    const { recorder, builder } = setUp();
    recorder.used('key_a', t0);
    await recorder.beforeApplicationShutdown();
    expect(builder.andWhere).toHaveBeenCalledWith('(last_used_at IS NULL OR last_used_at < :staleBefore)', {
      staleBefore: at(-LAST_USED_RESOLUTION_MS / 2),
    });
  });

  it('tries again on the next use after a failed write, without failing the request', async () => {
    const { recorder, execute } = setUp(true);
    jest.spyOn((recorder as unknown as { logger: { warn: () => void } }).logger, 'warn').mockImplementation(() => undefined);
    expect(recorder.used('key_a', t0)).toBe(true);
    await recorder.beforeApplicationShutdown();
    expect(recorder.used('key_a', at(1_000))).toBe(true);
    await recorder.beforeApplicationShutdown();
    expect(execute).toHaveBeenCalledTimes(2);
  });
});
