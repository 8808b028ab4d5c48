import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { rawRequest } from '../common/raw-request';

/**
 * Names the matched route by its pattern (`/v1/transfers/:id`), for metric labels and logs. A guard,
 * the first of all, so that requests refused by later guards (401, 429) are labelled too.
 */
@Injectable()
export class RouteLabelGuard implements CanActivate {
  /** A route's label never changes: worked out once per controller and handler, not on every request. */
  private readonly labels = new WeakMap<object, Map<object, string>>();

  canActivate(context: ExecutionContext): boolean {
    const controller = context.getClass();
    const handler = context.getHandler();
    let labels = this.labels.get(controller);
    if (!labels) this.labels.set(controller, (labels = new Map()));
    let label = labels.get(handler);
    if (label === undefined) {
      const controllerPath = Reflect.getMetadata(PATH_METADATA, controller) ?? '';
      const handlerPath = Reflect.getMetadata(PATH_METADATA, handler) ?? '';
      label = `/${[controllerPath, handlerPath].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
      labels.set(handler, label);
    }
    rawRequest(context.switchToHttp().getRequest()).routeLabel = label;
    return true;
  }
}

