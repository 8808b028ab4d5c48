import { isWellFormedId, newId } from './ids';

describe('newId', () => {
  it('makes well-formed ids of 120 random bits, none repeated across several refills of its random pool', () => {
    const ids = Array.from({ length: 2_000 }, () => newId('tr'));
    for (const id of ids) {
      expect(id).toMatch(/^tr_[A-Za-z0-9_-]{20}$/);
      expect(isWellFormedId(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
