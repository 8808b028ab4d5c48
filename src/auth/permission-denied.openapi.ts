import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_SCHEMA } from '../common/openapi';

const WRITING_METHODS = ['post', 'put', 'patch', 'delete'] as const;

/**
 * Adds the 403 `permission_denied` answer (a read-only key) to every operation that takes an API
 * key and changes something, in one place instead of on each route: `ReadOnlyKeyGuard` applies to
 * all of them alike.
 */
export function documentPermissionDenied(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const method of WRITING_METHODS) {
      const operation = path[method];
      if (!operation?.security?.length || operation.responses['403']) continue;
      operation.responses['403'] = {
        description: '`permission_denied`: the API key is read-only; it may only send GET requests.',
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      };
    }
  }
  return document;
}
