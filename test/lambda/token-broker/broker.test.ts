import { CredentialBroker, IssuedCredential } from '../../../lambda/token-broker/broker';
import { BrokerError } from '../../../lambda/token-broker/errors';

const POLICY = {
  expiryMarginSeconds: 60,
  defaultLifetimeSeconds: 300,
  maxLifetimeSeconds: 3600,
  failureBackoffSeconds: 10,
  maxFailureBackoffSeconds: 25,
};

function brokerWith(
  fetch: () => Promise<IssuedCredential>,
  clock: () => number,
  maxEntries?: number,
) {
  return new CredentialBroker({ policy: POLICY, fetch, clock, maxEntries });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as BrokerError).code;
  }
  return 'no error';
}

describe('CredentialBroker', () => {
  test('doubles the backoff after each failure up to the maximum', async () => {
    let now = 1000;
    let fetches = 0;
    const broker = brokerWith(
      async () => {
        fetches += 1;
        throw new BrokerError('PROVIDER_UNAVAILABLE', 'down');
      },
      () => now,
    );
    const attemptsAt: number[] = [];

    for (let second = 0; second <= 60; second += 1) {
      now = 1000 + second;
      const before = fetches;
      await codeOf(broker.get('orders'));
      if (fetches > before) attemptsAt.push(second);
    }

    expect(attemptsAt).toEqual([0, 10, 30, 55]);
  });

  test('asks the provider again after a success ends the backoff', async () => {
    let now = 1000;
    let fail = true;
    const broker = brokerWith(
      async () => {
        if (fail) throw new BrokerError('PROVIDER_UNAVAILABLE', 'down');
        return { headerValue: 'Bearer a', lifetimeSeconds: 0 };
      },
      () => now,
    );

    await codeOf(broker.get('orders'));
    fail = false;
    now += 10;
    await broker.get('orders');
    fail = true;

    expect(await codeOf(broker.get('orders'))).toBe('PROVIDER_UNAVAILABLE');
  });

  test('keeps at most maxEntries credentials in memory', async () => {
    let fetches = 0;
    const broker = brokerWith(
      async () => {
        fetches += 1;
        return { headerValue: `Bearer ${fetches}`, lifetimeSeconds: 600 };
      },
      () => 1000,
      2,
    );

    await broker.get('a');
    await broker.get('b');
    await broker.get('c');
    await broker.get('a');

    expect(fetches).toBe(4);
  });

  test('reuses half of a lifetime shorter than twice the margin', async () => {
    const broker = brokerWith(
      async () => ({ headerValue: 'Bearer a', lifetimeSeconds: 40 }),
      () => 1000,
    );

    const credential = await broker.get('orders');

    expect(credential.validUntil).toBe(1020);
  });
});
