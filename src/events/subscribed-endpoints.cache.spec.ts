import { SubscribedEndpointsCache } from './subscribed-endpoints.cache';

const endpoint = (id: string) => ({ id, types: new Set(['*']) });

describe('SubscribedEndpointsCache', () => {
  it('remembers a client’s endpoints until told they changed', () => {
    const cache = new SubscribedEndpointsCache();
    expect(cache.get('cli_a')).toBeUndefined();
    cache.set('cli_a', [endpoint('we_1')]);
    expect(cache.get('cli_a')?.map((e) => e.id)).toEqual(['we_1']);
    cache.invalidate('cli_a');
    expect(cache.get('cli_a')).toBeUndefined();
  });

  it('keeps at most its capacity, dropping the least recently used client', () => {
    const cache = new SubscribedEndpointsCache(2);
    cache.set('cli_a', []);
    cache.set('cli_b', []);
    cache.get('cli_a');
    cache.set('cli_c', []);
    expect(cache.size).toBe(2);
    expect(cache.get('cli_b')).toBeUndefined();
    expect(cache.get('cli_a')).toEqual([]);
  });
});
