/**
 * Why a caller was turned away. `status` is what the caller sees (401 when credentials are
 * missing or invalid, 403 when a known caller may not reach the operation); `code` and
 * `message` go to the log only and never contain a token, key, password or hash.
 */
export class AccessDenied extends Error {
  constructor(
    readonly code: string,
    readonly status: 401 | 403,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AccessDenied';
  }
}
