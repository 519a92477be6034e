import { AccessDenied } from '../failure';

/** Maximum token length in characters. API Gateway already limits a header value to 10 KB. */
export const MAX_TOKEN_LENGTH = 12288;

/** A compact JWS split into its parts, with the header and payload parsed. */
export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** `base64url(header) + '.' + base64url(payload)`, the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

// Empty is allowed so that `alg: none` tokens reach the algorithm check and its clear code.
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Splits a compact JWS into header, payload and signature. Rejects anything but three
 * canonical base64url segments whose header and payload are JSON objects.
 */
export function parseCompactJws(token: string): CompactJws {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw malformed(
      `token is ${token.length} characters, more than the ${MAX_TOKEN_LENGTH} allowed`,
    );
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw malformed(`token has ${parts.length} segments, expected 3`);
  }

  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeJsonObject(headerPart, 'header');
  const payload = decodeJsonObject(payloadPart, 'payload');
  const signature = decodeSegment(signaturePart, 'signature');
  return { header, payload, signingInput: `${headerPart}.${payloadPart}`, signature };
}

/**
 * Decodes one base64url segment. Padding, other alphabets and non-zero trailing bits are
 * rejected, so each byte string has exactly one accepted encoding.
 */
function decodeSegment(segment: string, name: string): Buffer {
  const remainder = segment.length % 4;
  if (remainder === 1 || !BASE64URL.test(segment) || hasTrailingBits(segment, remainder)) {
    throw malformed(`token ${name} is not canonical base64url`);
  }
  return Buffer.from(segment, 'base64url');
}

/** Tells whether the last character carries bits past the end of the data. */
function hasTrailingBits(segment: string, remainder: number): boolean {
  if (remainder === 0) {
    return false;
  }
  const last = ALPHABET.indexOf(segment[segment.length - 1]);
  // Two leftover characters carry 12 bits for one byte, three carry 18 bits for two bytes.
  const unusedMask = remainder === 2 ? 0b1111 : 0b11;
  return (last & unusedMask) !== 0;
}

function decodeJsonObject(segment: string, name: string): Record<string, unknown> {
  const text = decodeSegment(segment, name).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(`token ${name} is not JSON`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`token ${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function malformed(message: string, cause?: unknown): AccessDenied {
  return new AccessDenied('TOKEN_MALFORMED', 401, message, { cause });
}
