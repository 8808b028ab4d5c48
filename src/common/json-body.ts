import { plainParamName, ValidationFailedError } from './domain-error';

export const MAX_JSON_DEPTH = 32;

/**
 * Checks the raw text of a JSON body for what `JSON.parse` would silently accept but this API must
 * refuse: numbers written with a fraction or an exponent (`100.0`, `1e2`: money is integer minor
 * units, and after parsing `1e2` cannot be told from `100`), and nesting deeper than
 * `MAX_JSON_DEPTH` (which would only cost stack further in). Names the offending field.
 */
export function checkJsonText(raw: string): void {
  let depth = 0;
  let lastKey: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '"') {
      const end = endOfString(raw, i);
      const text = raw.slice(i + 1, end);
      // A string followed by a colon is a key: remember it to name the field of a bad number.
      let j = end + 1;
      while (j < raw.length && /\s/.test(raw[j])) j++;
      if (raw[j] === ':') lastKey = text;
      i = end;
    } else if (ch === '{' || ch === '[') {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ValidationFailedError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, plainParamName(lastKey));
      }
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i;
      while (j < raw.length && /[-+0-9.eE]/.test(raw[j])) j++;
      if (/[.eE]/.test(raw.slice(i, j))) {
        const param = plainParamName(lastKey) ?? 'body';
        throw new ValidationFailedError(`${param} must be an integer written without a fraction or exponent.`, param);
      }
      i = j - 1;
    }
  }
}

/** Index of the closing quote of the string starting at `start` (or the end of the text). */
function endOfString(raw: string, start: number): number {
  for (let i = start + 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return i;
  }
  return raw.length;
}
