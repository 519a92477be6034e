// A real OpenID provider (oidc-provider 8) on 127.0.0.1 for the token broker tests, run as
// its own Node.js process because oidc-provider and its dependencies are ES modules only.
// It prints one JSON line with its issuer and keys once listening, and serves
// GET /test/token-requests with the number of token endpoint requests it has received.
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const { clients, callerIssuer, callerPublicJwk } = JSON.parse(process.argv[2]);

const clientKeys = await generateKeyPair('ES256', { extractable: true });
const exchangeKeys = await generateKeyPair('ES256', { extractable: true });
const callerKey = await importJWK(callerPublicJwk, 'ES256');

let tokenRequests = 0;
let handle;
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/test/token-requests') {
    response.end(String(tokenRequests));
    return;
  }
  if (request.method === 'POST' && request.url === '/token') tokenRequests += 1;
  handle(request, response);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const secretClient = (client, method) => ({
  client_id: client.id,
  client_secret: client.secret,
  token_endpoint_auth_method: method,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
});

const provider = new Provider(issuer, {
  clients: [
    secretClient(clients.basic, 'client_secret_basic'),
    secretClient(clients.post, 'client_secret_post'),
    secretClient(clients.shortLived, 'client_secret_basic'),
    {
      client_id: clients.privateKeyJwt.id,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...(await exportJWK(clientKeys.publicKey)), kid: 'gateway-1' }] },
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
    { ...secretClient(clients.exchange, 'client_secret_basic'), grant_types: [TOKEN_EXCHANGE] },
  ],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  ttl: {
    ClientCredentials: (_ctx, _token, client) =>
      client.clientId === clients.shortLived.id ? 4 : 600,
  },
});

// oidc-provider 8 does not ship RFC 8693, so the grant is registered here: it accepts an
// access token from the caller's issuer and issues a JWT for the requested audience.
provider.registerGrantType(
  TOKEN_EXCHANGE,
  async (ctx, next) => {
    const params = ctx.oidc.params;
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest('subject_token_type must be an access token');
    }
    let subject;
    try {
      const { payload } = await jwtVerify(params.subject_token, callerKey, {
        issuer: callerIssuer,
      });
      subject = payload.sub;
    } catch {
      throw new errors.InvalidGrant('subject_token is invalid');
    }
    const accessToken = await new SignJWT({ act: { sub: ctx.oidc.client.clientId } })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(params.audience ?? issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(exchangeKeys.privateKey);
    ctx.body = {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: 300,
    };
    await next();
  },
  ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope'],
);
handle = provider.callback();

console.log(
  JSON.stringify({
    issuer,
    clientPrivateJwk: { ...(await exportJWK(clientKeys.privateKey)), alg: 'ES256' },
    exchangePublicJwk: await exportJWK(exchangeKeys.publicKey),
  }),
);
