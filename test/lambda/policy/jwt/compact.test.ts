import fc from 'fast-check';
import { AccessDenied } from '../../../../lambda/policy/failure';
import { parseCompactJws } from '../../../../lambda/policy/jwt/compact';
import { encodeSegment } from '../../../support/jwt';

/**
 * Returns whether a segment is canonical, which these tests define as unchanged by decoding
 * and encoding again.
 */
function isCanonical(segment: string): boolean {
  return Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

const HEADER = encodeSegment({ alg: 'RS256', kid: 'k1' });
const PAYLOAD = encodeSegment({ sub: 'alice' });

/** Returns whether a signature segment is accepted, and rethrows errors other than TOKEN_MALFORMED. */
function acceptsSignature(segment: string): boolean {
  try {
    parseCompactJws(`${HEADER}.${PAYLOAD}.${segment}`);
    return true;
  } catch (error) {
    if (!(error instanceof AccessDenied) || error.code !== 'TOKEN_MALFORMED') {
      throw error;
    }
    return false;
  }
}

describe('parseCompactJws segment decoding', () => {
  // Characters of both alphabets, padding, whitespace, a non-ASCII letter, and letters whose
  // low bits are zero or not, so trailing-bit cases come up often.
  const alphabet = ['A', 'Q', 'g', 'w', 'B', 'z', '0', '9', '-', '_', '+', '/', '=', ' ', '.', 'é'];

  test('accepts only canonical short strings', () => {
    const differences: string[] = [];
    const visit = (prefix: string, depth: number): void => {
      if (prefix.length > 0 && !prefix.includes('.')) {
        if (acceptsSignature(prefix) !== isCanonical(prefix)) {
          differences.push(prefix);
        }
      }
      if (depth > 0) {
        for (const character of alphabet) {
          visit(prefix + character, depth - 1);
        }
      }
    };
    visit('', 4);
    expect(differences).toEqual([]);
  });

  test('accepts only canonical long strings', () => {
    const segment = fc
      .array(fc.constantFrom(...alphabet.filter((character) => character !== '.')), {
        minLength: 5,
        maxLength: 400,
      })
      .map((characters) => characters.join(''));
    fc.assert(
      fc.property(segment, (text) => acceptsSignature(text) === isCanonical(text)),
      { numRuns: 2000 },
    );
  });

  test('trailing bit flip is rejected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const segment = Buffer.from(bytes).toString('base64url');
        if (!acceptsSignature(segment)) {
          return false;
        }
        if (segment.length % 4 === 0) {
          return true;
        }
        // 'A' and 'B' differ only in the lowest bit, which a short last group never uses.
        const last = segment.at(-1) === 'A' ? 'B' : segment.at(-1) === 'B' ? 'A' : undefined;
        return last === undefined || !acceptsSignature(segment.slice(0, -1) + last);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseCompactJws header reuse', () => {
  test('reuses frozen object for same header', () => {
    const header = encodeSegment({ alg: 'ES256', kid: 'reused' });
    const first = parseCompactJws(`${header}.${PAYLOAD}.AAAA`);
    const second = parseCompactJws(`${header}.${encodeSegment({ sub: 'bob' })}.AAAA`);
    expect(second.header).toBe(first.header);
    expect(Object.isFrozen(first.header)).toBe(true);
    expect(second.payload).toEqual({ sub: 'bob' });
  });

  test('rejects non-canonical header every time', () => {
    // 22 bytes encode to 30 characters, and the last one carries 4 unused bits. The next
    // character of the alphabet sets the lowest of them.
    const header = encodeSegment({ alg: 'RS256', x: 12 });
    expect(header.length % 4).not.toBe(0);
    const lastValue = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(
      header.at(-1) as string,
    );
    const bent =
      header.slice(0, -1) +
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[lastValue + 1];
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(() => parseCompactJws(`${bent}.${PAYLOAD}.AAAA`)).toThrow(
        'token header is not canonical base64url',
      );
    }
  });

  test('100 distinct headers parse correctly', () => {
    for (let index = 0; index < 100; index++) {
      const header = encodeSegment({ alg: 'RS256', kid: `key-${index}` });
      expect(parseCompactJws(`${header}.${PAYLOAD}.AAAA`).header).toEqual({
        alg: 'RS256',
        kid: `key-${index}`,
      });
    }
  });
});
