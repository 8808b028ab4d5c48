import { Reflector } from '@nestjs/core';

/** Marks a route or controller that needs no API key (health, metrics, docs). */
export const Public = Reflector.createDecorator<true>({ transform: () => true });
