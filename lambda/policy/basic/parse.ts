import { AccessDenied } from '../failure';

/** A user id and password taken from an `Authorization: Basic ...` header (RFC 7617). */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

// RFC 7617 sends the credentials as one token68; the standard Base64 alphabet with padding.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 7617 section 2: neither the user id nor the password may contain control characters.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const MAX_HEADER_LENGTH = 4096;

/**
 * Parses the Basic credentials of a request from its `Authorization` header values. The
 * scheme is matched case-insensitively, spaces around the header and between the scheme
 * and the credentials are allowed, the credentials are decoded as UTF-8, and the password
 * is everything after the first colon, so it may contain colons.
 *
 * @throws AccessDenied `BASIC_MISSING` when no header uses the Basic scheme,
 *   `BASIC_MALFORMED` when the Basic header cannot be decoded into a user id and password
 */
export function parseBasicAuthorization(headerValues: readonly string[]): BasicCredentials {
  const basicValues = headerValues.filter((value) => /^\s*basic(\s|$)/i.test(value));
  if (basicValues.length === 0) {
    throw new AccessDenied('BASIC_MISSING', 401, 'no Authorization header with the Basic scheme');
  }
  if (basicValues.length > 1) {
    throw malformed(`${basicValues.length} Authorization headers use the Basic scheme, expected 1`);
  }

  const header = basicValues[0];
  if (header.length > MAX_HEADER_LENGTH) {
    throw malformed(
      `the Authorization header is ${header.length} characters, at most ${MAX_HEADER_LENGTH} are allowed`,
    );
  }
  const encoded = header.trim().slice('basic'.length).trim();
  if (encoded === '' || !BASE64.test(encoded)) {
    throw malformed('the Basic credentials are not valid Base64');
  }

  const decoded = decodeUtf8(Buffer.from(encoded, 'base64'));
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    throw malformed('the decoded Basic credentials contain no colon between user id and password');
  }
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === '') {
    throw malformed('the Basic user id is empty');
  }
  if (CONTROL_CHARACTER.test(username) || CONTROL_CHARACTER.test(password)) {
    throw malformed('the Basic user id or password contains a control character');
  }
  return { username, password };
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw malformed('the decoded Basic credentials are not valid UTF-8', error);
  }
}

function malformed(message: string, cause?: unknown): AccessDenied {
  return new AccessDenied('BASIC_MALFORMED', 401, message, { cause });
}
