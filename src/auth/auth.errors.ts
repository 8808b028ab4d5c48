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

/** A read-only API key used for a request that would change something (any method but GET, HEAD, OPTIONS). */
export class PermissionDeniedError extends DomainError {
  readonly code = 'permission_denied';
  readonly status = 403;
  readonly stored = false;
  constructor() {
    super('This API key is read-only: it may only send GET requests. Use a full-access key to make changes.');
  }
}

/** Key management (`npm run client:keys`) named a client that does not exist. */
export class ClientNotFoundError extends DomainError {
  readonly code = 'client_not_found';
  // Command-line only (`npm run client:keys`); never answered over HTTP.
  readonly status = 400;
  readonly stored = false;
  constructor(readonly clientId: string) {
    super(`There is no client ${clientId}.`);
  }
}

/** Key management named a key that is not one of the client's. */
export class ApiKeyNotFoundError extends DomainError {
  readonly code = 'api_key_not_found';
  // Command-line only (`npm run client:keys`); never answered over HTTP.
  readonly status = 400;
  readonly stored = false;
  constructor(readonly clientId: string, readonly keyId: string) {
    super(`Client ${clientId} has no key ${keyId}; \`list\` shows its keys.`);
  }
}

/** A rotation that cannot happen as asked: no usable key to replace, or several and none named. */
export class RotationNotPossibleError extends DomainError {
  readonly code = 'rotation_not_possible';
  // Command-line only (`npm run client:keys`); never answered over HTTP.
  readonly status = 400;
  readonly stored = false;
  constructor(message: string, readonly ambiguous = false) {
    super(message);
  }
}
