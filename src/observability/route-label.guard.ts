import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { rawRequest } from '../common/raw-request';

/**
 * Names the matched route by its pattern (`/v1/transfers/:id`), for metric labels and logs. A guard,
 * the first of all, so that requests refused by later guards (401, 429) are labelled too.
 */
@Injectable()
export class RouteLabelGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const controllerPath = Reflect.getMetadata(PATH_METADATA, context.getClass()) ?? '';
    const handlerPath = Reflect.getMetadata(PATH_METADATA, context.getHandler()) ?? '';
    const label = `/${[controllerPath, handlerPath].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
    rawRequest(context.switchToHttp().getRequest()).routeLabel = label;
    return true;
  }
}

