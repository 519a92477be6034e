import { build } from 'esbuild';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AuthorizerConfig } from '../../lambda/policy/config';
import { AUDIENCE, ISSUER, REQUIRED_ROLE, ROLE_CLAIM } from './tokens';

export const ROOT = resolve(__dirname, '..', '..');

/**
 * The core of our authorizer as `npm run build:lambda` bundles it: everything a JWT-only
 * gateway loads. The other capabilities are files beside it (see `gatehouseCapabilityFiles`).
 */
export const GATEHOUSE_BUNDLE = join(ROOT, 'dist', 'bundles', 'authorizer', 'index.js');

/** Peer handlers, each a minimal REQUEST authorizer on one library, in `bench/peers/`. */
export const PEERS = ['aws-jwt-verify', 'jsonwebtoken', 'jose'] as const;
export type Peer = (typeof PEERS)[number];

/**
 * Bundles every peer handler into `dist/bench/peers/<name>/index.js` with the settings
 * `scripts/build-lambdas.mjs` uses for our own handlers, and returns the bundle paths.
 */
export async function buildPeers(): Promise<Record<Peer, string>> {
  const paths = {} as Record<Peer, string>;
  for (const peer of PEERS) {
    const outfile = join(ROOT, 'dist', 'bench', 'peers', peer, 'index.js');
    // Keep these options equal to scripts/build-lambdas.mjs, so bundle sizes compare fairly.
    await build({
      entryPoints: [join(ROOT, 'bench', 'peers', `${peer}.ts`)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      legalComments: 'none',
      logLevel: 'warning',
    });
    paths[peer] = outfile;
  }
  return paths;
}

/** Throws with the command to run when our authorizer has not been bundled yet. */
export function requireGatehouseBundle(): string {
  if (!existsSync(GATEHOUSE_BUNDLE)) {
    throw new Error(`${GATEHOUSE_BUNDLE} is missing; run npm run build:lambda first`);
  }
  return GATEHOUSE_BUNDLE;
}

/** Returns the paths of the capability files beside our core bundle, such as `basic.js`. */
export function gatehouseCapabilityFiles(): string[] {
  const directory = dirname(requireGatehouseBundle());
  return readdirSync(directory)
    .filter((name) => name.endsWith('.js') && name !== 'index.js')
    .sort()
    .map((name) => join(directory, name));
}

/**
 * Copies our authorizer's core bundle and its capability files into `dir` next to a
 * `config.json`, as the Gateway construct stages its asset, and returns the path of the
 * copied core. The construct copies only the capability files a config uses. Copying all of
 * them here changes nothing for a JWT config, because the core loads none of them.
 */
export function stageGatehouse(dir: string, config: AuthorizerConfig): string {
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'index.js');
  copyFileSync(requireGatehouseBundle(), bundle);
  for (const file of gatehouseCapabilityFiles()) {
    copyFileSync(file, join(dir, basename(file)));
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return bundle;
}

/** Returns the environment a peer handler reads its settings from. */
export function peerEnv(jwksUrl: string): Record<string, string> {
  return {
    BENCH_ISSUER: ISSUER,
    BENCH_AUDIENCE: AUDIENCE,
    BENCH_JWKS_URI: jwksUrl,
    BENCH_ROLE_CLAIM: ROLE_CLAIM,
    BENCH_REQUIRED_ROLE: REQUIRED_ROLE,
  };
}

/** Returns a bundle's size in bytes, as written and gzip-compressed. */
export function bundleSize(path: string): { bytes: number; gzipBytes: number } {
  return { bytes: statSync(path).size, gzipBytes: gzipSync(readFileSync(path)).length };
}
