/**
 * Why the broker could not hand out a credential. The message names the connection and what
 * failed, and never contains a token, secret or key.
 */
export class BrokerError extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrokerError';
  }
}

export type BrokerErrorCode =
  /** The request names no known connection, or lacks a subject token it needs. */
  | 'INVALID_REQUEST'
  /** A secret could not be read or does not hold what the connection needs. */
  | 'SECRET_UNAVAILABLE'
  /** The token endpoint could not be reached, timed out or returned a 5xx status. */
  | 'PROVIDER_UNAVAILABLE'
  /** The token endpoint returned an OAuth error, such as `invalid_client`. */
  | 'PROVIDER_REJECTED'
  /** The token endpoint returned 200 with a body that is not a usable token response. */
  | 'PROVIDER_MALFORMED'
  /** A recent failure is remembered, so the provider is not asked again yet. */
  | 'PROVIDER_BACKOFF';
