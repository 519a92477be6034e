import { build } from 'esbuild';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { copyBundleFiles } from '../../support/authorizer';

const ROOT = join(__dirname, '..', '..', '..');
// Inside the project, so the bundle's external `@aws-sdk/*` requires resolve to node_modules.
const TMP = join(ROOT, '.gatehouse-tmp');

/**
 * Bundles a handler with the options of `scripts/build-lambdas.mjs` into a scratch directory
 * and returns the path of the bundle.
 */
export async function bundleHandler(name: string): Promise<string> {
  mkdirSync(TMP, { recursive: true });
  const outfile = join(mkdtempSync(join(TMP, `${name}-build-`)), 'index.js');
  await build({
    entryPoints: [join(ROOT, 'lambda', name, 'index.ts')],
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
  return outfile;
}

/**
 * Copies a bundle, with the other `.js` files beside it, next to a `config.json` and requires
 * it, as a new execution environment.
 */
export function loadBundle<T>(bundle: string, config: unknown): { module: T; dispose(): void } {
  mkdirSync(TMP, { recursive: true });
  const directory = mkdtempSync(join(TMP, 'instance-'));
  copyBundleFiles(bundle, directory);
  writeFileSync(join(directory, 'config.json'), JSON.stringify(config));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(join(directory, 'index.js')) as T;
  return { module, dispose: () => rmSync(directory, { recursive: true, force: true }) };
}

/** Points the AWS SDK at loopback endpoints with dummy credentials. */
export function useLocalAws(endpoints: { secretsManager?: string; dynamoDb?: string }): void {
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-test-only';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  if (endpoints.secretsManager)
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.secretsManager;
  if (endpoints.dynamoDb) process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamoDb;
}

export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 with a random port. */
export async function listen(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<LocalServer & { server: Server }> {
  const server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Returns a loopback URL on which nothing listens. */
export async function closedPortUrl(): Promise<string> {
  const server = await listen(() => undefined);
  await server.close();
  return server.url;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the Secrets Manager `GetSecretValue` and `PutSecretValue` JSON protocol from the
 * given map, which it updates, so the real SDK calls run. `reads` counts reads per secret id.
 */
export async function startSecretsManager(secrets: Map<string, string>) {
  const reads = new Map<string, number>();
  const server = await listen(async (request, response) => {
    const target = request.headers['x-amz-target'];
    const body = JSON.parse(await readBody(request)) as { SecretId: string; SecretString?: string };
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    if (target === 'secretsmanager.PutSecretValue' && secrets.has(body.SecretId)) {
      secrets.set(body.SecretId, body.SecretString ?? '');
      response.end(JSON.stringify({ ARN: body.SecretId, Name: body.SecretId, VersionId: 'v2' }));
      return;
    }
    reads.set(body.SecretId, (reads.get(body.SecretId) ?? 0) + 1);
    const value = secrets.get(body.SecretId);
    if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
      response.statusCode = 400;
      response.end(
        JSON.stringify({
          __type: 'ResourceNotFoundException',
          message: 'Secrets Manager can’t find the specified secret.',
        }),
      );
      return;
    }
    response.end(
      JSON.stringify({
        ARN: body.SecretId,
        Name: body.SecretId,
        SecretString: value,
        VersionId: 'v1',
      }),
    );
  });
  return { ...server, reads };
}
