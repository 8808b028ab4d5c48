/**
 * An outcome the API reports to its caller with a stable `code`. Each class says, once, the HTTP
 * status it is answered with and whether it is a definite outcome of the request (`stored`: a
 * decline the handler reached, stored and replayed under the request's idempotency key) or one a
 * retry may change (not stored: the key is released). Both are abstract, so a new error cannot
 * forget them. A domain error never carries a stack to the client.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly stored: boolean;
  /** The request field at fault, when there is one. */
  readonly param?: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const PLAIN_NAME = /^[A-Za-z0-9_.[\]-]{1,64}$/;

/**
 * A field name from the request as it may be repeated back in an error, or `undefined` when it is
 * not a plain name (quotes, SQL, control bytes): user input is never echoed verbatim.
 */
export function plainParamName(name: string | undefined): string | undefined {
  return name !== undefined && PLAIN_NAME.test(name) ? name : undefined;
}

/** Request input that does not have the required shape (400 `validation_error`). */
export class ValidationFailedError extends DomainError {
  readonly code = 'validation_error';
  readonly status = 400;
  readonly stored = false;
  constructor(message: string, readonly param?: string) {
    super(message);
  }
}
