import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { join } from 'node:path';

export const CALLER_ISSUER = 'https://login.caller.test';

/**
 * Client ids and secrets with reserved characters, so form-encoding mistakes show. RFC 6749
 * appendix A allows only printable ASCII (VSCHAR) in both, and oidc-provider enforces it.
 */
export const CLIENTS = {
  basic: { id: 'gateway:orders/1+2 %41', secret: 's3cr:t %&+=/~?' },
  post: { id: 'gateway post&id', secret: 'p@ss=word+/?#' },
  privateKeyJwt: { id: 'gateway-jwt' },
  shortLived: { id: 'short-lived', secret: 'short-secret' },
  exchange: { id: 'exchanger', secret: 'exchange-secret' },
};

export interface LocalProvider {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  /** Private JWK of the `private_key_jwt` client, as its secret stores it. */
  readonly clientPrivateJwk: string;
  /** Public JWK of the caller tokens, for an authorizer that validates them. */
  readonly callerPublicJwk: Record<string, unknown>;
  /** Signs a caller token that the provider's token exchange grant accepts. */
  signCallerToken(subject: string): Promise<string>;
  /** Verifies a token the exchange grant issued and returns its claims. */
  verifyExchangedToken(token: string): Promise<Record<string, unknown>>;
  /** Returns how many token endpoint requests the provider has received. */
  tokenRequests(): Promise<number>;
  close(): Promise<void>;
}

/** Starts `provider-server.mjs` in a child process and waits until it listens. */
export async function startProvider(): Promise<LocalProvider> {
  const callerKeys = await generateKeyPair('ES256', { extractable: true });
  const options = {
    clients: CLIENTS,
    callerIssuer: CALLER_ISSUER,
    callerPublicJwk: await exportJWK(callerKeys.publicKey),
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, 'provider-server.mjs'), JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const started = JSON.parse(line) as {
    issuer: string;
    clientPrivateJwk: object;
    exchangePublicJwk: object;
  };
  const exchangeKey = await importJWK(started.exchangePublicJwk as never, 'ES256');

  return {
    issuer: started.issuer,
    tokenEndpoint: `${started.issuer}/token`,
    clientPrivateJwk: JSON.stringify(started.clientPrivateJwk),
    callerPublicJwk: { ...options.callerPublicJwk, alg: 'ES256', kid: 'caller-1' },
    signCallerToken: (subject) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'caller-1' })
        .setIssuer(CALLER_ISSUER)
        .setSubject(subject)
        .setAudience('gateway')
        .setExpirationTime('10m')
        .sign(callerKeys.privateKey),
    verifyExchangedToken: async (token) =>
      (await jwtVerify(token, exchangeKey, { issuer: started.issuer })).payload as Record<
        string,
        unknown
      >,
    tokenRequests: async () =>
      Number(await (await fetch(`${started.issuer}/test/token-requests`)).text()),
    close: async () => {
      child.kill();
      await once(child, 'exit');
    },
  };
}
