import { TokenSourceConfig } from '../config';
import { AccessDenied } from '../failure';
import { AuthRequest } from '../request';

/**
 * Reads the token from the first configured source present in the request. A source that
 * is present but unusable (a repeated header, a wrong scheme) denies rather than falling
 * through to the next one, so a request cannot pick which check it meets.
 */
export function readToken(request: AuthRequest, sources: readonly TokenSourceConfig[]): string {
  for (const source of sources) {
    const values = sourceValues(request, source);
    if (values.length === 0) {
      continue;
    }
    if (values.length > 1) {
      throw malformed(`token ${describe(source)} appears ${values.length} times`);
    }
    return source.in === 'header' && source.scheme
      ? stripScheme(values[0], source.scheme)
      : values[0].trim();
  }
  const where = sources.map(describe).join(', ');
  throw new AccessDenied('TOKEN_MISSING', 401, `no token found (looked in ${where})`);
}

function sourceValues(request: AuthRequest, source: TokenSourceConfig): readonly string[] {
  switch (source.in) {
    case 'header':
      return request.headers.get(source.name.toLowerCase()) ?? [];
    case 'query':
      return request.query.get(source.name) ?? [];
    case 'cookie':
      return cookieValues(request.headers.get('cookie') ?? [], source.name);
  }
}

const WHITESPACE = /\s/;

/**
 * Splits `<scheme> <token>`, comparing the scheme case-insensitively (RFC 9110, section 11.1).
 * Whitespace is JavaScript's `\s` throughout, as `trim` uses. Whitespace inside the token is
 * left to the JWS parser, which rejects any character outside base64url and the two dots,
 * because scanning the token here as well cost about 1 us on an 800-character header.
 */
function stripScheme(value: string, scheme: string): string {
  const trimmed = value.trim();
  const prefix = trimmed.slice(0, scheme.length);
  const token = trimmed.slice(scheme.length + 1).trimStart();
  if (
    !WHITESPACE.test(trimmed.charAt(scheme.length)) ||
    token === '' ||
    WHITESPACE.test(prefix) ||
    prefix.toLowerCase() !== scheme.toLowerCase()
  ) {
    throw malformed(`authorization header does not have the form "${scheme} <token>"`);
  }
  return token;
}

function cookieValues(headers: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (const header of headers) {
    for (const pair of header.split(';')) {
      const separator = pair.indexOf('=');
      if (separator > 0 && pair.slice(0, separator).trim() === name) {
        values.push(pair.slice(separator + 1).trim());
      }
    }
  }
  return values;
}

function describe(source: TokenSourceConfig): string {
  return `${source.in} ${source.name}`;
}

function malformed(message: string): AccessDenied {
  return new AccessDenied('TOKEN_MALFORMED', 401, message);
}
