import { IConstruct } from 'constructs';

/**
 * A configuration error found at synth time. `code` is stable, so tools and tests can match
 * it; the message names the prop, what arrived and what is allowed.
 */
export class GatehouseValidationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly scope?: IConstruct,
  ) {
    super(scope ? `${message} (at ${scope.node.path})` : message);
    this.name = 'GatehouseValidationError';
  }
}
