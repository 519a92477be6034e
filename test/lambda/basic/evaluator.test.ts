import { createBasicEvaluator } from '../../../lambda/policy/basic/evaluator';
import { hashPassword } from '../../../lambda/policy/basic/password-hash';
import { UserStoreCache } from '../../../lambda/policy/basic/user-store';
import { AuthorizerConfig, BasicRequirement } from '../../../lambda/policy/config';
import { EvaluationContext } from '../../../lambda/policy/evaluator';
import { AccessDenied } from '../../../lambda/policy/failure';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:partners-AbCdEf';
const requirement: BasicRequirement = { kind: 'basic', userStore: 'partners' };

function evaluationContext(authorization: string[]): EvaluationContext {
  const config: AuthorizerConfig = {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: {},
    apis: {},
    basicUserStores: {
      partners: {
        secretArnVariable: 'PARTNERS_SECRET_ARN',
        realm: 'partners',
        refreshSeconds: 300,
      },
    },
  };
  const memo = new Map<string, Promise<unknown>>();
  return {
    config,
    request: {
      requestId: 'req-1',
      api: 'orders',
      method: 'GET',
      resourcePath: '/orders',
      methodArn: 'arn:aws:execute-api:eu-west-1:111111111111:abc/prod/GET/orders',
      headers: new Map([['authorization', authorization]]),
      query: new Map(),
      now: 1_800_000_000,
    },
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as Promise<T>;
    },
  };
}

function basic(userAndPassword: string): string {
  return `Basic ${Buffer.from(userAndPassword).toString('base64')}`;
}

async function denial(promise: Promise<unknown>): Promise<AccessDenied> {
  try {
    await promise;
  } catch (error) {
    return error as AccessDenied;
  }
  throw new Error('expected a denial');
}

describe('basic evaluator', () => {
  let secretString: string;
  let reads: number;
  let evaluate: ReturnType<typeof createBasicEvaluator>;

  beforeAll(async () => {
    const users = { alice: await hashPassword('wonder:land ✓') };
    secretString = JSON.stringify({ users });
  });

  beforeEach(() => {
    process.env.PARTNERS_SECRET_ARN = SECRET_ARN;
    reads = 0;
    const reader = async (arn: string) => {
      reads += 1;
      if (arn !== SECRET_ARN) throw new Error(`unexpected secret ${arn}`);
      return secretString;
    };
    evaluate = createBasicEvaluator(new UserStoreCache(reader));
  });

  test('grants a known user with the right password', async () => {
    const grant = await evaluate(requirement, evaluationContext([basic('alice:wonder:land ✓')]));

    expect(grant.principalId).toBe('alice');
    expect(grant.context).toEqual({ basicUser: 'alice' });
  });

  test('denies a wrong password with BASIC_INVALID', async () => {
    const error = await denial(evaluate(requirement, evaluationContext([basic('alice:nope')])));

    expect(error.code).toBe('BASIC_INVALID');
    expect(error.status).toBe(401);
    expect(error.message).toBe("wrong password for Basic user 'alice'");
  });

  test('denies an unknown user without naming it', async () => {
    const error = await denial(evaluate(requirement, evaluationContext([basic('mallory:x')])));

    expect(error.code).toBe('BASIC_INVALID');
    expect(error.message).toBe('unknown Basic user');
  });

  test('denies a missing header with BASIC_MISSING', async () => {
    const error = await denial(evaluate(requirement, evaluationContext([])));

    expect(error.code).toBe('BASIC_MISSING');
  });

  test('reads the secret once for many requests', async () => {
    await evaluate(requirement, evaluationContext([basic('alice:wonder:land ✓')]));
    await denial(evaluate(requirement, evaluationContext([basic('alice:x')])));

    expect(reads).toBe(1);
  });

  test('denies every request while the secret is invalid JSON', async () => {
    secretString = '{"users": ';

    const error = await denial(evaluate(requirement, evaluationContext([basic('alice:x')])));

    expect(error.code).toBe('BASIC_STORE_UNAVAILABLE');
    expect(error.message).toBe('the user store secret is not valid JSON');
  });

  test('denies when a user record is invalid, naming only the user', async () => {
    secretString = JSON.stringify({ users: { bob: { algorithm: 'scrypt', cost: 3 } } });

    const error = await denial(evaluate(requirement, evaluationContext([basic('alice:x')])));

    expect(error.code).toBe('BASIC_STORE_UNAVAILABLE');
    expect(error.message).toBe("the record of user 'bob' is invalid");
  });

  test('denies when the secret ARN variable is not set', async () => {
    delete process.env.PARTNERS_SECRET_ARN;

    const error = await denial(evaluate(requirement, evaluationContext([basic('alice:x')])));

    expect(error.code).toBe('BASIC_STORE_UNAVAILABLE');
    expect(error.message).toContain('PARTNERS_SECRET_ARN');
  });

  test('denies a store missing from the config', async () => {
    const error = await denial(
      evaluate({ kind: 'basic', userStore: 'other' }, evaluationContext([basic('alice:x')])),
    );

    expect(error.code).toBe('BASIC_STORE_UNAVAILABLE');
  });
});

describe('UserStoreCache', () => {
  test('reads again after a failed read', async () => {
    let calls = 0;
    const cache = new UserStoreCache(async () => {
      calls += 1;
      if (calls === 1) throw new Error('throttled');
      return '{"users":{}}';
    });

    await expect(cache.get(SECRET_ARN, 300)).rejects.toThrow('reading the user store secret');
    const users = await cache.get(SECRET_ARN, 300);

    expect(users.size).toBe(0);
    expect(calls).toBe(2);
  });

  test('reads again once the refresh interval has passed', async () => {
    let now = 1000;
    let calls = 0;
    const cache = new UserStoreCache(
      async () => {
        calls += 1;
        return '{"users":{}}';
      },
      () => now,
    );

    await cache.get(SECRET_ARN, 300);
    now += 299;
    await cache.get(SECRET_ARN, 300);
    now += 1;
    await cache.get(SECRET_ARN, 300);

    expect(calls).toBe(2);
  });
});
