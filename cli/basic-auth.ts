import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { hashPassword } from '../lambda/policy/basic/password-hash';
import { parseUserStore } from '../lambda/policy/basic/user-store';
import type { CommandOutput } from './report';

// RFC 7617 forbids control characters in user ids and passwords.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

export const BASIC_AUTH_USAGE = `Usage:
  gatehouse basic-auth <action> --secret ARN [options]

Actions:
  add      --user ID   add a user; fails when the user exists
  rotate   --user ID   replace a user's password; fails when the user does not exist
  remove   --user ID   remove a user
  list                 print the user ids

Password of add and rotate, one of:
  --password-stdin      read the password from the first line of standard input
  --password-env NAME   read the password from environment variable NAME
  --generate            generate a random password and print it once

Other options:
  --endpoint URL   Secrets Manager endpoint, such as http://127.0.0.1:4566 for a local one
  --region NAME    AWS region (default: AWS_REGION, else us-east-1)

Passwords are hashed here with scrypt and a random salt; only the hash reaches the secret.
The authorizer picks up changes within the BasicAuth refreshInterval.
`;

const OPTIONS = {
  secret: { type: 'string' },
  user: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'password-env': { type: 'string' },
  generate: { type: 'boolean' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** A usage error: the message goes to stderr with the usage, and the exit status is 2. */
class UsageError extends Error {}

/** Runs `gatehouse basic-auth ...` and returns the exit status. */
export async function runBasicAuthCommand(
  args: string[],
  output: CommandOutput,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  let values: Values;
  let action: string | undefined;
  try {
    const parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    values = parsed.values;
    action = parsed.positionals.length === 1 ? parsed.positionals[0] : undefined;
  } catch (error) {
    output.stderr(`${(error as Error).message}\n\n${BASIC_AUTH_USAGE}`);
    return 2;
  }
  if (values.help) {
    output.stdout(BASIC_AUTH_USAGE);
    return 0;
  }

  try {
    return await runAction(action, values, output, stdin);
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr(`${error.message}\n\n${BASIC_AUTH_USAGE}`);
      return 2;
    }
    output.stderr(`gatehouse basic-auth: ${(error as Error).message}\n`);
    return 1;
  }
}

async function runAction(
  action: string | undefined,
  values: Values,
  output: CommandOutput,
  stdin: NodeJS.ReadableStream,
): Promise<number> {
  if (!action || !['add', 'rotate', 'remove', 'list'].includes(action)) {
    throw new UsageError(
      `expected one action of add, rotate, remove or list, got ${action ?? 'none'}`,
    );
  }
  if (!values.secret) {
    throw new UsageError('--secret is required');
  }
  const client = new SecretsManagerClient({
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: values.endpoint,
  });
  const store = await readStore(client, values.secret);

  if (action === 'list') {
    output.stdout(
      Object.keys(store.users)
        .sort()
        .map((user) => `${user}\n`)
        .join(''),
    );
    return 0;
  }
  const user = checkUser(values.user);
  const exists = Object.hasOwn(store.users, user);
  if (action === 'add' && exists) {
    throw new Error(`user '${user}' already exists; use rotate to change the password`);
  }
  if (action !== 'add' && !exists) {
    throw new Error(`user '${user}' not found in the secret`);
  }

  if (action === 'remove') {
    delete store.users[user];
  } else {
    const password = await readPassword(values, stdin);
    store.users[user] = await hashPassword(password.value);
    if (password.generated) {
      output.stdout(`generated password for '${user}' (shown once): ${password.value}\n`);
    }
  }
  // NOTE: Secrets Manager has no compare-and-set, so two administrators writing at once can lose one change; run the command from one place at a time.
  await client.send(
    new PutSecretValueCommand({ SecretId: values.secret, SecretString: JSON.stringify(store) }),
  );
  output.stderr(
    `${action === 'remove' ? 'removed' : action === 'add' ? 'added' : 'rotated'} user '${user}'\n`,
  );
  return 0;
}

async function readStore(
  client: SecretsManagerClient,
  secretId: string,
): Promise<{ users: Record<string, unknown> }> {
  const current = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = current.SecretString ?? '{"users":{}}';
  // Validates every record, so the command never writes back a store the authorizer rejects.
  parseUserStore(text);
  return JSON.parse(text) as { users: Record<string, unknown> };
}

function checkUser(user: string | undefined): string {
  if (user === undefined) {
    throw new UsageError('--user is required');
  }
  // RFC 7617: the user id may not contain a colon or control characters.
  if (user === '' || user.length > 128 || user.includes(':') || CONTROL_CHARACTER.test(user)) {
    throw new UsageError(
      `--user must be 1 to 128 characters without ':' or control characters, got '${user.replace(CONTROL_CHARACTERS, '?')}'`,
    );
  }
  return user;
}

async function readPassword(
  values: Values,
  stdin: NodeJS.ReadableStream,
): Promise<{ value: string; generated: boolean }> {
  const sources = [
    values['password-stdin'],
    values['password-env'] !== undefined,
    values.generate,
  ].filter(Boolean);
  if (sources.length !== 1) {
    throw new UsageError('give exactly one of --password-stdin, --password-env NAME or --generate');
  }
  let password: string;
  if (values.generate) {
    return { value: randomBytes(18).toString('base64url'), generated: true };
  } else if (values['password-env'] !== undefined) {
    password = process.env[values['password-env']] ?? '';
  } else {
    password = (await readAll(stdin)).split(/\r?\n/)[0];
  }
  if (password === '' || CONTROL_CHARACTER.test(password)) {
    throw new UsageError('the password must be non-empty and contain no control characters');
  }
  return { value: password, generated: false };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
