/** Profile child: runs many warm decisions of one authorizer bundle under `--cpu-prof`. */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serveCalls } from '../lib/child';
import { requestEvent } from '../lib/events';
import { gatehouseConfig } from '../lib/gatehouse-config';
import { decide, requireHandler } from '../lib/handlers';
import { SigningKey, signToken } from '../lib/tokens';

export interface ProfileParams {
  readonly bundle: string;
  readonly jwksUrl: string;
  readonly key: Pick<SigningKey, 'alg' | 'kid'> & { readonly privateKeyPem: string };
  readonly decisions: number;
}

async function run(params: ProfileParams): Promise<number> {
  // The bundle is required in place, so profile frames carry its path.
  writeFileSync(
    join(dirname(params.bundle), 'config.json'),
    JSON.stringify(gatehouseConfig(params.jwksUrl)),
  );
  const handler = requireHandler(params.bundle);

  const privateKey = createPrivateKey(params.key.privateKeyPem);
  const key: SigningKey = {
    alg: params.key.alg,
    kid: params.key.kid,
    privateKey,
    publicKey: createPublicKey(privateKey),
    jwk: {},
  };
  // Every token is new, so our authorizer's cache of verified tokens never hits.
  const events = Array.from({ length: params.decisions }, () => requestEvent(signToken(key)));
  let allowed = 0;
  for (const event of events) {
    if (await decide(handler, event)) {
      allowed++;
    }
  }
  return allowed;
}

serveCalls({
  run,
  // The profile is written when the process exits on its own, not when it is killed.
  exit: () => {
    setImmediate(() => process.exit(0));
    return true;
  },
});
