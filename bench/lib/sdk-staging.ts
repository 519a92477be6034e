/**
 * Loads our bundles from a folder inside the repository's `node_modules`. The bundles leave
 * `@aws-sdk/*` external, because the Lambda runtime provides it, and some capability files
 * load it with `import()`, whose resolution ignores `NODE_PATH`. From inside the repository
 * both `require` and `import()` find the repository's SDK; from the system temp folder they
 * find nothing.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthorizerConfig } from '../../lambda/policy/config';
import type { TokenBrokerConfig } from '../../lambda/token-broker/config';
import { ROOT, stageGatehouse } from './bundles';
import { Handler, requireHandler } from './handlers';

/** The token broker as `npm run build:lambda` bundles it. */
export const TOKEN_BROKER_BUNDLE = join(ROOT, 'dist', 'bundles', 'token-broker', 'index.js');

const staged: string[] = [];

/** Returns a new folder under `node_modules/.cache`, removed when the process exits. */
function stagingFolder(prefix: string): string {
  const parent = join(ROOT, 'node_modules', '.cache');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, prefix));
  if (staged.length === 0) {
    process.once('exit', () => {
      for (const folder of staged) {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  }
  staged.push(dir);
  return dir;
}

/** Loads a copy of our authorizer, staged by `stageGatehouse`, that can load the AWS SDK. */
export function loadGatehouseWithSdk(config: AuthorizerConfig): Handler {
  return requireHandler(stageGatehouse(stagingFolder('gatehouse-bench-authorizer-'), config));
}

/** Loads a copy of the token broker bundle beside its `config.json`. */
export function loadTokenBroker(config: TokenBrokerConfig): Handler {
  const dir = stagingFolder('gatehouse-bench-broker-');
  copyFileSync(TOKEN_BROKER_BUNDLE, join(dir, 'index.js'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return requireHandler(join(dir, 'index.js'));
}
