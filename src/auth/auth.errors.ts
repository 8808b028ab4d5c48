import { DomainError } from '../common/domain-error';

/** No `Authorization: Bearer …` header on a `/v1` route. */
export class AuthenticationRequiredError extends DomainError {
  readonly code = 'authentication_required';
  readonly status = 401;
  readonly stored = false;
  constructor() {
    super('Send your API key as "Authorization: Bearer <key>".');
  }
}

/** A bearer token that is no client's key. */
export class InvalidApiKeyError extends DomainError {
  readonly code = 'invalid_api_key';
  readonly status = 401;
  readonly stored = false;
  constructor() {
    super('The API key is not valid.');
  }
}
