/** Reason a management request was rejected. `code` is stable, and the message never contains a key. */
export class ManagementError extends Error {
  constructor(
    readonly code:
      | 'INVALID_REQUEST'
      | 'NOT_FOUND'
      | 'CONFLICT'
      | 'PRODUCT_NOT_FOUND'
      | 'PRODUCT_NOT_PUBLISHED'
      | 'SUBSCRIPTION_NOT_REQUIRED'
      | 'SCOPE_NOT_ALLOWED'
      | 'TERMS_NOT_ACCEPTED'
      | 'SUBSCRIPTION_LIMIT_REACHED'
      | 'TRANSITION_NOT_ALLOWED',
    message: string,
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}
