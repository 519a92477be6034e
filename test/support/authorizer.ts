import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { AuthorizerConfig } from '../../lambda/policy/config';

const BUNDLE = join(__dirname, '..', '..', 'dist', 'bundles', 'authorizer', 'index.js');

/** The bundled handler's result, typed loosely because tests inspect it field by field. */
export interface AuthorizerResultShape {
  principalId: string;
  policyDocument: {
    Version: string;
    Statement: { Effect: string; Action: string; Resource: string[] }[];
  };
  context?: Record<string, string | number | boolean>;
  usageIdentifierKey?: string;
}

/** A fresh instance of the bundled authorizer with its own config and module state. */
export interface LoadedAuthorizer {
  handler(event: unknown): Promise<AuthorizerResultShape>;
  readonly directory: string;
  /** Deletes the temporary directory. */
  dispose(): void;
}

/**
 * Copies a bundle into `directory` as `index.js`, and every other `.js` file beside it under
 * its own name. For the split authorizer these are the capability files, such as `basic.js`,
 * which the core requires from its own directory on first use.
 */
export function copyBundleFiles(bundle: string, directory: string): void {
  copyFileSync(bundle, join(directory, 'index.js'));
  const source = dirname(bundle);
  for (const name of readdirSync(source)) {
    if (name.endsWith('.js') && name !== 'index.js' && name !== basename(bundle)) {
      copyFileSync(join(source, name), join(directory, name));
    }
  }
}

/**
 * Copies the esbuild output (the core and its capability files) next to a `config.json` in
 * a new temporary directory and requires it, so each call gets a cold instance (empty key caches), as a new Lambda
 * execution environment would. Run `npm run build:lambda` first.
 */
export function loadAuthorizer(
  config: AuthorizerConfig | Record<string, unknown>,
): LoadedAuthorizer {
  if (!existsSync(BUNDLE)) {
    throw new Error(`bundle ${BUNDLE} not found; run npm run build:lambda first`);
  }
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-authorizer-'));
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

/**
 * Collects the JSON lines the code under test writes with `console.log` or straight to
 * stdout (the authorizer's decision line), and keeps them off the test output. Call
 * `restore()` when done.
 */
export function captureLogs(): {
  lines: () => Record<string, unknown>[];
  raw: () => string;
  restore(): void;
} {
  const written: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    written.push(args.map(String).join(' '));
  });
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line !== ''),
    );
    return true;
  });
  return {
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
    raw: () => written.join('\n'),
    restore: () => {
      spy.mockRestore();
      stdout.mockRestore();
    },
  };
}

/** What one call of the bundled handler produced, with its log line. */
export interface Invocation {
  /** `unauthorized` when the handler threw API Gateway's `Unauthorized` error (a 401). */
  readonly outcome: 'allow' | 'deny' | 'unauthorized' | 'error';
  readonly result?: AuthorizerResultShape;
  readonly error?: unknown;
  /** The decision's JSON log line. */
  readonly log: Record<string, unknown>;
  /** Everything written to the log during the call. */
  readonly rawLog: string;
}

/** Calls the handler once and classifies its result; never rejects. */
export async function invoke(authorizer: LoadedAuthorizer, event: unknown): Promise<Invocation> {
  const logs = captureLogs();
  try {
    const result = await authorizer.handler(event);
    const effect = result.policyDocument.Statement[0]?.Effect;
    return { outcome: effect === 'Allow' ? 'allow' : 'deny', result, ...logged(logs) };
  } catch (error) {
    const unauthorized = error instanceof Error && error.message === 'Unauthorized';
    return { outcome: unauthorized ? 'unauthorized' : 'error', error, ...logged(logs) };
  } finally {
    logs.restore();
  }
}

function logged(logs: ReturnType<typeof captureLogs>) {
  const lines = logs.lines();
  return { log: lines[lines.length - 1] ?? {}, rawLog: logs.raw() };
}

/**
 * Tells whether an IAM `Resource` pattern matches an ARN: `*` matches any run of
 * characters, `/` included, and `?` any one character, as IAM evaluates them.
 */
export function iamResourceMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .split('')
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${regex}$`).test(arn);
}
