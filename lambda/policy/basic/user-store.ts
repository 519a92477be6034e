import { checkHashRecord, PasswordHashRecord } from './password-hash';

/** Reads the current value of a secret as a string. */
export type SecretReader = (secretArn: string) => Promise<string>;

/** The users of one Basic user store, by user id. */
export type BasicUsers = ReadonlyMap<string, PasswordHashRecord>;

/** The secret could not be read or holds no valid user store; every Basic check then denies. */
export class UserStoreError extends Error {
  readonly code = 'BASIC_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserStoreError';
  }
}

/**
 * Parses the JSON of a user store secret, `{ "users": { "<user id>": <hash record> } }`.
 *
 * @throws UserStoreError naming the first user whose record is invalid
 */
export function parseUserStore(secretString: string): BasicUsers {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch (error) {
    throw new UserStoreError('the user store secret is not valid JSON', { cause: error });
  }
  const users = (parsed as { users?: unknown } | null)?.users;
  if (typeof users !== 'object' || users === null || Array.isArray(users)) {
    throw new UserStoreError('the user store secret must contain a "users" object');
  }

  const result = new Map<string, PasswordHashRecord>();
  for (const [username, record] of Object.entries(users)) {
    try {
      result.set(username, checkHashRecord(record));
    } catch (error) {
      throw new UserStoreError(`the record of user '${username}' is invalid`, { cause: error });
    }
  }
  return result;
}

/**
 * Caches each user store secret for `refreshSeconds`. Concurrent requests share one read,
 * and a failed read is not cached, so the next request tries again.
 */
export class UserStoreCache {
  private readonly entries = new Map<string, { users: Promise<BasicUsers>; readAt: number }>();

  constructor(
    private readonly readSecret: SecretReader,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {}

  /** Returns the users in the secret, reading it again once the cached copy is too old. */
  public get(secretArn: string, refreshSeconds: number): Promise<BasicUsers> {
    const now = this.clock();
    const cached = this.entries.get(secretArn);
    if (cached && now - cached.readAt < refreshSeconds) {
      return cached.users;
    }

    const users = this.read(secretArn);
    this.entries.set(secretArn, { users, readAt: now });
    users.catch(() => {
      if (this.entries.get(secretArn)?.users === users) {
        this.entries.delete(secretArn);
      }
    });
    return users;
  }

  private async read(secretArn: string): Promise<BasicUsers> {
    let secretString: string;
    try {
      secretString = await this.readSecret(secretArn);
    } catch (error) {
      throw new UserStoreError(`reading the user store secret ${secretArn} failed`, {
        cause: error,
      });
    }
    return parseUserStore(secretString);
  }
}
