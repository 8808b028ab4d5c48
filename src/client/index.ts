/**
 * The payments API client: the one public surface of `src/client/`. It depends on nothing else in
 * this repository (Node built-ins and the global `fetch` only), so it can be copied or published
 * on its own. `./testing/fault-proxy` is a separate, test-only entry point.
 */
export { PaymentsClient, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from './payments-client';
export { PaymentsError, PaymentsApiError, PaymentsConnectionError } from './client.errors';
export type { ProblemBody } from './client.errors';
export { RetryPolicy, DEFAULT_RETRY_OPTIONS, MAX_RETRY_AFTER_MS } from './retry-policy';
export type { AttemptOutcome, RetryPolicyOptions } from './retry-policy';
export type * from './types';
export { verifyWebhookSignature, WebhookSignatureError, DEFAULT_SIGNATURE_TOLERANCE_SECONDS } from './webhook-signature';
