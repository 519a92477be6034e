import { execFileSync } from 'node:child_process';
import { LoadedAuthorizer, loadAuthorizer } from '../../support/authorizer';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../../support/policy-config';

const ISSUER = 'https://issuer.example';

/** Requires the staged bundle in a fresh node process and lists the modules it loaded. */
function modulesLoadedBy(directory: string): string[] {
  const script = [
    'const before = new Set(process.moduleLoadList);',
    `require(${JSON.stringify(`${directory}/index.js`)});`,
    'console.log(JSON.stringify(process.moduleLoadList.filter((name) => !before.has(name))));',
  ].join('\n');
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

describe('bundled authorizer: module loading', () => {
  let authorizer: LoadedAuthorizer;

  afterEach(() => authorizer.dispose());

  test('loads no HTTP client at start', () => {
    const validator = jwtValidatorConfig(ISSUER, { kind: 'jwks', url: 'http://127.0.0.1:9/jwks' });
    authorizer = loadAuthorizer(
      authorizerConfig(validator, [operation('GET', '/orders', jwtRequirement())]),
    );

    const loaded = modulesLoadedBy(authorizer.directory);

    expect(loaded).toContain('NativeModule crypto');
    expect(loaded).not.toContain('NativeModule http');
    expect(loaded).not.toContain('NativeModule https');
  });
});
