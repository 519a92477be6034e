import { VerificationKey } from '../keys/jwk';

/** Maximum number of tokens one validator keeps. At an estimated 1 KB a token, about 1 MB. */
export const MAX_VERIFIED_TOKENS = 1000;

/** Maximum time a token without `exp` is kept, in seconds. */
export const NO_EXPIRY_LIFETIME_SECONDS = 300;

/** A verified token's parsed header and payload, and the key that verified it. */
export interface VerifiedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The key set's own object; a hit counts only while the key set still returns it. */
  readonly key: VerificationKey;
  /** Time in seconds after which the entry is dropped: the token's `exp` at the latest. */
  readonly expiresAt: number;
}

/**
 * Tokens whose signature one validator has already checked, keyed by the exact token
 * string, so a changed character is a different key and never a hit. It saves parsing and
 * the signature check only: the caller still checks the key and every claim on each use.
 * Least recently used entries go first once `maxEntries` is reached.
 */
// NOTE: the bound counts tokens, not bytes, so 1000 tokens at the 12 KB maximum length would hold
// about 12 MB per validator. A byte budget would bound it tighter.
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly maxEntries = MAX_VERIFIED_TOKENS) {}

  get size(): number {
    return this.entries.size;
  }

  /** Returns the entry for `token`, or undefined when there is none or it has expired. */
  get(token: string, now: number): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      return undefined;
    }
    this.entries.delete(token);
    if (now >= entry.expiresAt) {
      return undefined;
    }
    this.entries.set(token, entry);
    return entry;
  }

  /** Adds a token whose signature and claims passed at `now`. */
  add(
    token: string,
    header: VerifiedToken['header'],
    payload: VerifiedToken['payload'],
    key: VerificationKey,
    now: number,
  ): void {
    const { exp } = payload;
    const expiresAt = typeof exp === 'number' ? exp : now + NO_EXPIRY_LIFETIME_SECONDS;
    if (now >= expiresAt || this.maxEntries <= 0) {
      return;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(token, { header, payload, key, expiresAt });
  }

  /** Removes `token`, for example after its key left the key set. */
  delete(token: string): void {
    this.entries.delete(token);
  }
}
