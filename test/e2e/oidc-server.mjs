// Runs oidc-provider on 127.0.0.1 in its own process (it and its dependencies are ES
// modules, which jest's CommonJS runtime cannot load) and prints its issuer as one JSON
// line. It issues JWT access tokens for `api://orders` with the client credentials grant.
// The process exits when its stdin closes, so it never outlives the test that spawned it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret, resource] = process.argv.slice(2);

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      // The only signing key is ES256, and the default RS256 would not validate.
      id_token_signed_response_alg: 'ES256',
      scope: 'orders.read orders.delete',
    },
  ],
  scopes: ['orders.read', 'orders.delete'],
  cookies: { keys: [randomBytes(32).toString('hex')] },
  jwks: {
    keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'e2e-es256', alg: 'ES256', use: 'sig' }],
  },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_context, requested) => ({
        scope: 'orders.read orders.delete',
        audience: requested,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
server.on('request', provider.callback());

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
console.log(JSON.stringify({ issuer }));
