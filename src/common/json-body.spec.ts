import { ValidationFailedError } from './domain-error';
import { checkJsonText, MAX_JSON_DEPTH } from './json-body';

function problemOf(raw: string): ValidationFailedError | undefined {
  try {
    checkJsonText(raw);
    return undefined;
  } catch (error) {
    return error as ValidationFailedError;
  }
}

describe('checkJsonText', () => {
  it('accepts integers, negative integers and numbers inside strings', () => {
    expect(problemOf('{"amount": 100, "n": -5, "description": "1.5e3 dollars"}')).toBeUndefined();
  });

  it.each([
    ['a fraction', '{"amount": 1.5}'],
    ['a zero fraction', '{"amount": 100.0}'],
    ['an exponent', '{"currency":"usd","amount": 1e3}'],
    ['a negative exponent', '{"amount": -1E-2}'],
  ])('refuses %s and names the field', (_name, raw) => {
    const problem = problemOf(raw);
    expect(problem).toBeInstanceOf(ValidationFailedError);
    expect(problem!.param).toBe('amount');
  });

  it('is not fooled by escaped quotes inside strings', () => {
    expect(problemOf('{"description": "say \\"1.5\\"", "amount": 2}')).toBeUndefined();
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels`, () => {
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(problemOf(deep)).toBeInstanceOf(ValidationFailedError);
    const fine = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(problemOf(fine)).toBeUndefined();
  });
});
