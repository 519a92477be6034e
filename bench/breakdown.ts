/**
 * Splits our warm decision into layers and times each in one process, alternating, on new
 * tokens: the bare signature check, then parsing, then the claim checks and key lookup,
 * then the verified-token cache, then the whole decision, then the bundled handler with
 * and without its log line. Each layer adds work to the one before it, so the differences
 * show where the time goes. Not part of `npm run bench`; run it with
 * `npx tsx bench/breakdown.ts [RS256|ES256] [tokens] > /dev/null` (the table goes to stderr,
 * and the handler's decision log lines go to stdout).
 *
 * Keys are inline, so no subject makes a network call.
 */
import { JsonWebKey, createPublicKey, verify } from 'node:crypto';
import { toAuthRequest } from '../lambda/authorizer/event';
import { AuthorizerConfig } from '../lambda/policy/config';
import { decide as decideRequest } from '../lambda/policy/decide';
import { ALGORITHMS, verifySignature } from '../lambda/policy/jwt/algorithms';
import { parseCompactJws } from '../lambda/policy/jwt/compact';
import { VerifiedTokens } from '../lambda/policy/jwt/verified-tokens';
import { verifyJwt } from '../lambda/policy/jwt/verify-jwt';
import { createKeySet } from '../lambda/policy/keys/key-set';
import { requestEvent } from './lib/events';
import { gatehouseConfig } from './lib/gatehouse-config';
import { decide as decideWithHandler, loadGatehouse } from './lib/handlers';
import { median } from './lib/stats';
import { BenchAlgorithm, generateSigningKey, signToken } from './lib/tokens';

const BATCH = 250;
const WARM_UP = 300;

interface Layer {
  readonly name: string;
  /** Decides or verifies token `index`; the result must be truthy for a valid token. */
  readonly run: (index: number) => unknown;
  /** True for the one layer whose log line is written rather than muted. */
  readonly logs?: boolean;
}

async function breakdown(algorithm: BenchAlgorithm, count: number): Promise<void> {
  const key = generateSigningKey(algorithm);
  const tokens = Array.from({ length: count + WARM_UP }, () => signToken(key));
  const events = tokens.map((token) => requestEvent(token));
  const config = (): AuthorizerConfig => {
    const base = gatehouseConfig('https://127.0.0.1:1/unused');
    const validator = base.jwtValidators.bench;
    return {
      ...base,
      jwtValidators: { bench: { ...validator, keys: { kind: 'inline', keys: [key.jwk] } } },
    };
  };

  const validator = config().jwtValidators.bench;
  const keySet = createKeySet(validator.keys, validator.issuers, validator.keyCache);
  const verified = new VerifiedTokens();
  const decideConfig = config();
  const muted = loadGatehouse(config());
  const logged = loadGatehouse(config());
  const publicKey = createPublicKey({ key: key.jwk as JsonWebKey, format: 'jwk' });
  const options = { key: publicKey, dsaEncoding: 'ieee-p1363' as const };
  const split = tokens.map((token) => {
    const dot = token.lastIndexOf('.');
    return {
      input: Buffer.from(token.slice(0, dot)),
      signature: Buffer.from(token.slice(dot + 1), 'base64url'),
    };
  });
  const seconds = () => Math.floor(Date.now() / 1000);

  const layers: Layer[] = [
    {
      name: 'signature check alone (floor)',
      run: (index) => verify('sha256', split[index].input, options, split[index].signature),
    },
    {
      name: '+ parsing the token',
      run: (index) => {
        const jws = parseCompactJws(tokens[index]);
        return verifySignature(ALGORITHMS[algorithm], publicKey, jws.signingInput, jws.signature);
      },
    },
    {
      name: '+ key lookup and registered claims',
      run: (index) => verifyJwt(tokens[index], validator, keySet, seconds()),
    },
    {
      name: '+ verified-token cache',
      run: (index) => verifyJwt(tokens[index], validator, keySet, seconds(), verified),
    },
    {
      name: '+ event, token source, decision',
      run: async (index) =>
        (await decideRequest(decideConfig, toAuthRequest(events[index] as never, Date.now())))
          .allowed,
    },
    {
      name: '+ response, log line built (bundle)',
      run: (index) => decideWithHandler(muted, events[index]),
    },
    {
      name: '+ log line written (bundle)',
      run: (index) => decideWithHandler(logged, events[index]),
      logs: true,
    },
  ];

  const write = process.stdout.write;
  const mute = () => {
    process.stdout.write = (() => true) as typeof process.stdout.write;
  };
  const restore = () => {
    process.stdout.write = write;
  };

  for (const layer of layers) {
    mute();
    for (let index = count; index < count + WARM_UP; index++) {
      if (!(await layer.run(index))) {
        restore();
        throw new Error(`${layer.name} did not accept a valid ${algorithm} token`);
      }
    }
    restore();
  }

  const medians = new Map<string, number[]>(layers.map((layer) => [layer.name, []]));
  for (let round = 0; round < Math.floor(count / BATCH); round++) {
    for (let offset = 0; offset < layers.length; offset++) {
      const layer = layers[(round + offset) % layers.length];
      const latencies: number[] = [];
      if (!layer.logs) {
        mute();
      }
      for (let index = round * BATCH; index < (round + 1) * BATCH; index++) {
        const started = process.hrtime.bigint();
        const accepted = await layer.run(index);
        latencies.push(Number(process.hrtime.bigint() - started) / 1000);
        if (!accepted) {
          restore();
          throw new Error(`${layer.name} did not accept a valid ${algorithm} token`);
        }
      }
      restore();
      medians.get(layer.name)?.push(median(latencies));
    }
  }

  const floor = median(medians.get(layers[0].name) ?? []);
  let previous = 0;
  const rows = layers.map((layer) => {
    const p50 = median(medians.get(layer.name) ?? []);
    const row = `${layer.name.padEnd(38)} ${p50.toFixed(1).padStart(7)} ${(p50 / floor).toFixed(2).padStart(6)}x ${(previous === 0 ? '' : (p50 - previous).toFixed(1)).padStart(7)}`;
    previous = p50;
    return row;
  });
  process.stderr.write(
    `${algorithm}, ${count} new tokens, batches of ${BATCH}; median of batch p50s in us\n` +
      `${'layer'.padEnd(38)} ${'p50'.padStart(7)} ${'floor'.padStart(7)} ${'added'.padStart(7)}\n` +
      `${rows.join('\n')}\n`,
  );
}

const algorithm = (process.argv[2] ?? 'RS256') as BenchAlgorithm;
if (algorithm !== 'RS256' && algorithm !== 'ES256') {
  throw new Error(`algorithm must be RS256 or ES256, got ${algorithm}`);
}
const count = Number(process.argv[3] ?? 5000);
if (!Number.isInteger(count) || count < BATCH) {
  throw new Error(`tokens must be a whole number of at least ${BATCH}, got ${process.argv[3]}`);
}
void breakdown(algorithm, count);
