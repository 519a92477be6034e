// The default import keeps calls as `crypto.scrypt(...)`, so a test can observe which
// primitives each path of `verifyPassword` runs.
import crypto from 'node:crypto';

/**
 * One user's stored password: a scrypt hash with its own random salt and the parameters it
 * was made with, so parameters can be raised for new hashes while old ones still verify.
 * Byte strings are standard Base64.
 */
export interface PasswordHashRecord {
  readonly algorithm: 'scrypt';
  /** scrypt N, a power of two. */
  readonly cost: number;
  /** scrypt r. */
  readonly blockSize: number;
  /** scrypt p. */
  readonly parallelization: number;
  readonly salt: string;
  readonly hash: string;
}

export type ScryptParameters = Pick<PasswordHashRecord, 'cost' | 'blockSize' | 'parallelization'>;

/**
 * Parameters of new hashes: N = 2^15, r = 8, p = 1 uses 32 MiB per hash. OWASP's password
 * storage cheat sheet lists this memory cost among its scrypt minimums.
 */
export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = {
  cost: 2 ** 15,
  blockSize: 8,
  parallelization: 1,
};

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds that keep a tampered or mistyped record from making each check cost seconds or GiBs.
const MIN_COST = 2 ** 14;
const MAX_COST = 2 ** 20;

/** A user record that cannot be used, named by field; the message holds no salt or hash. */
export class InvalidHashRecordError extends Error {
  readonly code = 'BASIC_HASH_RECORD_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHashRecordError';
  }
}

/** Hashes a password with a new random salt. */
export async function hashPassword(
  password: string,
  parameters: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS,
): Promise<PasswordHashRecord> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const record = { algorithm: 'scrypt' as const, ...parameters, salt: salt.toString('base64') };
  checkParameters(record);
  const hash = await derive(password, salt, parameters, HASH_BYTES);
  return { ...record, hash: hash.toString('base64') };
}

/**
 * Checks a password against a record in constant time. Without a record (an unknown user)
 * it runs the same scrypt and compare against a dummy record and returns false, so the
 * time taken does not reveal whether the user exists.
 */
export async function verifyPassword(
  record: PasswordHashRecord | undefined,
  password: string,
): Promise<boolean> {
  const fallback = await dummyRecord();
  const target = record ?? fallback;
  const expected = Buffer.from(target.hash, 'base64');
  const actual = await derive(
    password,
    Buffer.from(target.salt, 'base64'),
    target,
    expected.length,
  );
  const equal = crypto.timingSafeEqual(actual, expected);
  return equal && record !== undefined;
}

/**
 * Returns the record if every field is usable.
 *
 * @throws InvalidHashRecordError naming the first field that is not
 */
export function checkHashRecord(value: unknown): PasswordHashRecord {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidHashRecordError(`a user record must be a JSON object, got ${typeof value}`);
  }
  const record = value as Record<string, unknown>;
  if (record.algorithm !== 'scrypt') {
    throw new InvalidHashRecordError(
      `algorithm must be 'scrypt', got '${String(record.algorithm)}'`,
    );
  }
  checkParameters(record);
  checkBytes(record, 'salt', SALT_BYTES, 64);
  checkBytes(record, 'hash', HASH_BYTES, 64);
  return record as unknown as PasswordHashRecord;
}

function checkParameters(record: Record<string, unknown>): void {
  const { cost, blockSize, parallelization } = record;
  const costIsPowerOfTwo =
    Number.isInteger(cost) && ((cost as number) & ((cost as number) - 1)) === 0;
  if (!costIsPowerOfTwo || (cost as number) < MIN_COST || (cost as number) > MAX_COST) {
    throw new InvalidHashRecordError(
      `cost must be a power of two from ${MIN_COST} to ${MAX_COST}, got ${String(cost)}`,
    );
  }
  if (!isIntegerIn(blockSize, 1, 32)) {
    throw new InvalidHashRecordError(
      `blockSize must be an integer from 1 to 32, got ${String(blockSize)}`,
    );
  }
  if (!isIntegerIn(parallelization, 1, 16)) {
    throw new InvalidHashRecordError(
      `parallelization must be an integer from 1 to 16, got ${String(parallelization)}`,
    );
  }
}

function checkBytes(
  record: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): void {
  const value = record[field];
  const isBase64 = typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value);
  const length = isBase64 ? Buffer.from(value, 'base64').length : 0;
  if (length < min || length > max) {
    throw new InvalidHashRecordError(`${field} must be Base64 of ${min} to ${max} bytes`);
  }
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function derive(
  password: string,
  salt: Buffer,
  parameters: ScryptParameters,
  length: number,
): Promise<Buffer> {
  const { cost: N, blockSize: r, parallelization: p } = parameters;
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

let dummy: Promise<PasswordHashRecord> | undefined;

function dummyRecord(): Promise<PasswordHashRecord> {
  dummy ??= hashPassword(crypto.randomBytes(SALT_BYTES).toString('base64'));
  return dummy;
}
