/**
 * RFC 8705 certificate-bound access tokens through the bundled authorizer: ES256 tokens
 * whose `cnf["x5t#S256"]` names a client certificate made by openssl, validated with an
 * inline key, and presented with or without that certificate.
 */
import type { AuthorizerConfig, JwtValidatorConfig } from '../../../lambda/policy/config';
import { checkCertificateBinding } from '../../../lambda/policy/certificate/binding';
import { parseCertificatePem } from '../../../lambda/policy/certificate/parse';
import { AccessDenied } from '../../../lambda/policy/failure';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../../support/authorizer';
import { CertificateLab, IssuedCertificate, TestCa } from '../../support/certificates';
import { requestEvent } from '../../support/events';
import { SigningKey, generateSigningKey, signJwt, standardClaims } from '../../support/jwt';
import { jwtValidatorConfig } from '../../support/policy-config';

const ISSUER = 'https://idp.partner.example/';
const AUDIENCE = 'api://orders';

let lab: CertificateLab;
let ca: TestCa;
let device: IssuedCertificate;
let otherDevice: IssuedCertificate;
let key: SigningKey;
const loaded: LoadedAuthorizer[] = [];

beforeAll(() => {
  lab = new CertificateLab();
  ca = lab.rootCa({ subject: [['CN', 'Binding CA']] });
  device = ca.issue({ subject: [['CN', 'device-a']] });
  otherDevice = ca.issue({ subject: [['CN', 'device-b']] });
  key = generateSigningKey('ES256');
});

afterAll(() => {
  loaded.forEach((authorizer) => authorizer.dispose());
  lab.dispose();
});

function thumbprint(certificate: IssuedCertificate): string {
  return parseCertificatePem(certificate.pem).x5tS256;
}

function authorizer(requireCertificateBinding: boolean): LoadedAuthorizer {
  const validator: JwtValidatorConfig = jwtValidatorConfig(
    ISSUER,
    { kind: 'inline', keys: [key.jwk] },
    { requireCertificateBinding },
  );
  const config: AuthorizerConfig = {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: { main: validator },
    apis: {
      orders: {
        name: 'Test/Gateway/orders',
        operations: [
          {
            method: 'GET',
            path: '/orders',
            authorizer: 'uncached',
            access: { kind: 'jwt', validator: 'main', claims: [] },
          },
        ],
      },
    },
  };
  const instance = loadAuthorizer(config);
  loaded.push(instance);
  return instance;
}

function event(token: string, certificate?: IssuedCertificate) {
  return requestEvent({
    headers: { Authorization: `Bearer ${token}` },
    clientCert: certificate ? { clientCertPem: certificate.pem } : undefined,
  });
}

function boundToken(certificate: IssuedCertificate | undefined): string {
  const cnf = certificate ? { 'x5t#S256': thumbprint(certificate) } : undefined;
  return signJwt(key, standardClaims(ISSUER, AUDIENCE, { cnf }));
}

describe('certificate-bound tokens in the bundled authorizer', () => {
  test('allows a token bound to the presented certificate', async () => {
    const result = await invoke(authorizer(true), event(boundToken(device), device));

    expect(result.outcome).toBe('allow');
  });

  test('rejects a token bound to another certificate with 401', async () => {
    const result = await invoke(authorizer(true), event(boundToken(otherDevice), device));

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('CERTIFICATE_BINDING_MISMATCH');
  });

  test('rejects a bound token sent without a client certificate', async () => {
    const result = await invoke(authorizer(true), event(boundToken(device)));

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('CLIENT_CERTIFICATE_MISSING');
  });

  test('rejects a token without cnf when binding is required', async () => {
    const result = await invoke(authorizer(true), event(boundToken(undefined), device));

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('TOKEN_NOT_CERTIFICATE_BOUND');
  });

  test('ignores cnf when binding is not required', async () => {
    const result = await invoke(authorizer(false), event(boundToken(otherDevice), device));

    expect(result.outcome).toBe('allow');
  });

  test('keeps thumbprints out of the log line', async () => {
    const result = await invoke(authorizer(true), event(boundToken(otherDevice), device));

    expect(result.rawLog).not.toContain(thumbprint(otherDevice));
    expect(result.rawLog).not.toContain(thumbprint(device));
  });
});

describe('checkCertificateBinding', () => {
  function failure(action: () => void): AccessDenied {
    try {
      action();
    } catch (error) {
      if (error instanceof AccessDenied) return error;
      throw error;
    }
    throw new Error('expected AccessDenied, but nothing was thrown');
  }

  test('rejects a cnf that is not an object', () => {
    const error = failure(() => checkCertificateBinding({ cnf: 'x' }, device.pem));

    expect(error.code).toBe('TOKEN_NOT_CERTIFICATE_BOUND');
  });

  test('rejects a thumbprint of another length', () => {
    const error = failure(() =>
      checkCertificateBinding({ cnf: { 'x5t#S256': 'abc' } }, device.pem),
    );

    expect(error.code).toBe('CERTIFICATE_BINDING_MISMATCH');
  });

  test('rejects a hex thumbprint of the right certificate', () => {
    const hex = parseCertificatePem(device.pem).sha256;

    const error = failure(() => checkCertificateBinding({ cnf: { 'x5t#S256': hex } }, device.pem));

    expect(error.code).toBe('CERTIFICATE_BINDING_MISMATCH');
  });

  test('rejects a malformed client certificate', () => {
    const error = failure(() =>
      checkCertificateBinding({ cnf: { 'x5t#S256': thumbprint(device) } }, 'garbage'),
    );

    expect(error.code).toBe('CLIENT_CERTIFICATE_INVALID');
    expect(error.status).toBe(401);
  });
});
