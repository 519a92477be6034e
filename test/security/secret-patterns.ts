/**
 * Patterns of secret material that must never reach a template, an asset or a log line:
 * private keys in PEM or JWK form, compact JWTs and AWS access key ids.
 */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  // A key body must follow, so a PEM parser's own marker strings do not count.
  { name: 'PEM private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]{40,}/ },
  {
    name: 'compact JWT',
    pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
  },
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'JWK private exponent', pattern: /"(d|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{16,}"/ },
];

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Returns `kid: member` for every private JWK member found in a JSON document's objects. */
export function privateJwkMembers(json: string): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      return;
    }
    const record = value as Record<string, unknown>;
    if (typeof record.kty === 'string') {
      for (const member of PRIVATE_MEMBERS.filter((name) => name in record)) {
        found.push(`${String(record.kid)}: ${member}`);
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(JSON.parse(json));
  return found;
}
