import { isUtf8 } from 'node:buffer';
import { parse as parseQueryString } from 'qs';
import { plainParamName, ValidationFailedError } from './domain-error';

/** Bracket notation (`metadata[a][b]`) nests no deeper than this in form bodies. */
export const FORM_DEPTH = 5;
/** Parameters in one form body; more is a 413 on both adapters (Express's body-parser counts alike). */
export const FORM_PARAMETER_LIMIT = 200;

/** A body parser's refusal with the status it maps to (see `renderProblem`). */
function parserError(message: string, statusCode: number): Error {
  return Object.assign(new Error(message), { status: statusCode, statusCode });
}

/**
 * Refuses a body whose bytes are not UTF-8 (400 naming `body`): read with replacement characters,
 * a payee's name or a description would be stored other than it was sent.
 */
export function checkUtf8(body: Buffer): void {
  if (!isUtf8(body)) throw new ValidationFailedError('The request body is not valid UTF-8.', 'body');
}

/**
 * Refuses a form field named `__proto__` at any depth before the parser drops it silently (qs never
 * assigns it): at the top level it is an unknown parameter like any other, inside `metadata` a key
 * that cannot be held (the JSON body gets the same answers, from the validation pipe).
 */
export function checkFormText(raw: string): void {
  for (const pair of raw.split('&')) {
    const name = decodeFormComponent(pair.split('=', 1)[0]);
    const segments = name.split(/[[\]]+/).filter(Boolean);
    const at = segments.indexOf('__proto__');
    if (at < 0) continue;
    if (at === 0) throw new ValidationFailedError('__proto__ is not a known parameter', '__proto__');
    const param =
      plainParamName(
        `${segments[0]}${segments
          .slice(1, at + 1)
          .map((s) => `[${s}]`)
          .join('')}`,
      ) ?? 'body';
    throw new ValidationFailedError(`${param} is not allowed: __proto__ cannot be a metadata key.`, param);
  }
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A form body as Express's extended parser reads it (qs, prototype names kept as data), for Fastify:
 * past `FORM_PARAMETER_LIMIT` parameters it is a 413, as on Express, never a body cut short.
 */
export function parseFormBody(body: Buffer): Record<string, unknown> {
  checkUtf8(body);
  const text = body.toString('utf8');
  checkFormText(text);
  // Counted as Express's body-parser counts them, so that both adapters draw the line alike.
  if (text.split('&').length > FORM_PARAMETER_LIMIT) {
    throw parserError(`The form body has more than ${FORM_PARAMETER_LIMIT} parameters.`, 413);
  }
  return parseQueryString(text, { allowPrototypes: true, depth: FORM_DEPTH, parameterLimit: FORM_PARAMETER_LIMIT });
}
