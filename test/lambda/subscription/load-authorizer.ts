import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import { LoadedAuthorizer, copyBundleFiles } from '../../support/authorizer';

const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'bundles', 'authorizer', 'index.js');

/**
 * Loads a cold instance of the bundled authorizer, like `loadAuthorizer()` from
 * test/support, but from a directory inside `node_modules/.cache`. The bundle leaves
 * `@aws-sdk/*` external because the Lambda runtime provides it. From that directory the
 * repository's own SDK is found, which a directory under the system temp folder cannot reach.
 */
export function loadAuthorizerWithSdk(config: AuthorizerConfig): LoadedAuthorizer {
  if (!existsSync(BUNDLE)) {
    throw new Error(`bundle ${BUNDLE} not found; run npm run build:lambda first`);
  }
  const parent = join(ROOT, 'node_modules', '.cache');
  mkdirSync(parent, { recursive: true });
  const directory = mkdtempSync(join(parent, 'gatehouse-authorizer-'));
  copyBundleFiles(BUNDLE, directory);
  writeFileSync(join(directory, 'config.json'), JSON.stringify(config));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(join(directory, 'index.js')) as Pick<LoadedAuthorizer, 'handler'>;
  return {
    handler: module.handler,
    directory,
    dispose: () => rmSync(directory, { recursive: true, force: true }),
  };
}
