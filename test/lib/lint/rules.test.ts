import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { JwsAlgorithm } from '../../../lambda/policy/config';
import { Api } from '../../../lib/api/api';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { declareIssuerClaims } from '../../../lib/lint';
import { ClientCertificatePolicy } from '../../../lib/client-certificate';
import { Product } from '../../../lib/product/product';
import { TrustStore, TrustStoreCertificate } from '../../../lib/trust-store';
import { SubscriptionRegistry } from '../../../lib/subscription/subscription-registry';
import { gatewayWith, validator } from '../report/fixtures';
import { RewrittenValidator, findingsOf, findingsOfRule } from './fixtures';

const BACKEND = Backend.http('https://orders.internal.example.com/orders');
const PARTNER_CA = join(
  __dirname,
  '..',
  '..',
  '..',
  'examples',
  'partner-spa',
  'certs',
  'partner-devices-ca.pem',
);

/** Declares a gateway whose operations all need a subscription key of `registry`. */
function keyedApi(stack: Stack, keyOptions = {}): { api: Api; registry: SubscriptionRegistry } {
  const registry = new SubscriptionRegistry(stack, 'Subscriptions');
  const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: registry.keyPolicy(keyOptions) });
  return { api: gateway.addApi('orders'), registry };
}

describe('AnyAudience', () => {
  test('fires on a validator that accepts any audience', () => {
    const findings = findingsOf((stack) => {
      const sso = validator(stack, { audiences: undefined, allowAnyAudience: true });
      gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'AnyAudience')).toEqual([
      'validator Shop/Sso accepts tokens for any audience, so a token the issuer minted for another application is accepted here',
    ]);
    expect(findings[0].target).toMatchObject({ constructPath: 'Shop/Sso' });
  });

  test('stays quiet when audiences are listed', () => {
    const findings = findingsOf((stack) => {
      gatewayWith(stack, validator(stack))
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findings).toEqual([]);
  });
});

describe('IssuerNotHttps', () => {
  test('fires on an issuer served over plain http', () => {
    const findings = findingsOf((stack) => {
      const inner = validator(stack);
      const plain = new RewrittenValidator(stack, 'Plain', inner, (config) => ({
        ...config,
        issuers: [{ kind: 'exact', issuer: 'http://login.example.com/' }],
      }));
      new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(plain) })
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'IssuerNotHttps')).toEqual([
      'validator Shop/Plain trusts http://login.example.com/, which is not https, so anyone on the network path can serve its keys or claim its name',
    ]);
  });

  test('stays quiet on an https issuer and key URL', () => {
    const findings = findingsOf((stack) => {
      const inner = validator(stack);
      const same = new RewrittenValidator(stack, 'Same', inner, (config) => config);
      new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(same) })
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'IssuerNotHttps')).toEqual([]);
  });
});

describe('MixedAlgorithms', () => {
  test('fires when HMAC and RSA are accepted for one issuer', () => {
    const findings = findingsOf((stack) => {
      const inner = validator(stack, { algorithms: ['RS256'] });
      const mixed = new RewrittenValidator(stack, 'Mixed', inner, (config) => ({
        ...config,
        algorithms: ['RS256', 'HS256' as JwsAlgorithm],
      }));
      new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(mixed) })
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'MixedAlgorithms')).toEqual([
      'issuer https://login.example.com/ is accepted with HS256, RS256; mixing HMAC with public-key algorithms lets a token signed with the public key as HMAC secret pass',
    ]);
  });

  test('stays quiet when only asymmetric algorithms are accepted', () => {
    const findings = findingsOf((stack) => {
      const sso = validator(stack, { algorithms: ['RS256', 'ES256'] });
      gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'MixedAlgorithms')).toEqual([]);
  });
});

describe('ClaimNotEmitted', () => {
  const declare = (emitted: string[]) => (stack: Stack) => {
    const sso = validator(stack, { requiredClaims: [{ claim: 'roles', values: ['Orders.Read'] }] });
    declareIssuerClaims(sso, emitted);
    gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
  };

  test('fires on a required claim the issuer does not emit', () => {
    const findings = findingsOf(declare(['sub', 'aud', 'scp']));

    expect(findingsOfRule(findings, 'ClaimNotEmitted')).toEqual([
      "claim 'roles' is required of tokens from validator Shop/Sso, but its issuer is declared to emit only sub, aud, scp, so every such token is denied",
    ]);
    expect(findings[0].severity).toBe('warning');
  });

  test('stays quiet when the issuer emits the claim', () => {
    const findings = findingsOf(declare(['sub', 'aud', 'roles']));

    expect(findingsOfRule(findings, 'ClaimNotEmitted')).toEqual([]);
  });

  test('stays quiet when nothing is declared about the issuer', () => {
    const findings = findingsOf((stack) => {
      const sso = validator(stack, { requiredClaims: [{ claim: 'roles', values: ['Read'] }] });
      gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'ClaimNotEmitted')).toEqual([]);
  });
});

describe('AnonymousInSubscribedProduct', () => {
  const declare = (policy: (registry: SubscriptionRegistry) => AccessPolicy) => (stack: Stack) => {
    const { api, registry } = keyedApi(stack);
    api.addOperation('GET', '/orders', { backend: BACKEND });
    api.addOperation('GET', '/prices', { backend: BACKEND, policy: policy(registry) });
    new Product(stack, 'Paid', { registry, apis: [api] });
  };

  test('fires on an anonymous operation in a product that needs a subscription', () => {
    const findings = findingsOf(declare(() => AccessPolicy.anonymous()));

    expect(findingsOfRule(findings, 'AnonymousInSubscribedProduct')).toEqual([
      "GET /prices of API 'orders' can be called without a subscription key, but product Paid requires a subscription, so its quota and terms never apply to those calls",
    ]);
  });

  test('fires on an optional key, which lets keyless calls through', () => {
    const findings = findingsOf(
      declare((registry) => registry.keyPolicy({ allowAnonymous: true })),
    );

    expect(findingsOfRule(findings, 'AnonymousInSubscribedProduct')).toHaveLength(1);
  });

  test('stays quiet when the operation needs a key', () => {
    const findings = findingsOf(declare((registry) => registry.keyPolicy()));

    expect(findingsOfRule(findings, 'AnonymousInSubscribedProduct')).toEqual([]);
  });

  test('stays quiet when the product needs no subscription', () => {
    const findings = findingsOf((stack) => {
      const { api, registry } = keyedApi(stack);
      api.addOperation('GET', '/prices', { backend: BACKEND, policy: AccessPolicy.anonymous() });
      new Product(stack, 'Open', { registry, apis: [api], subscriptionRequired: false });
    });

    expect(findingsOfRule(findings, 'AnonymousInSubscribedProduct')).toEqual([]);
  });
});

describe('QueryKeyOnWrite', () => {
  test('fires on a query-string key for an operation that changes state', () => {
    const findings = findingsOf((stack) => {
      const { api } = keyedApi(stack, { queryParameter: 'key' });
      api.addOperation('GET', '/orders', { backend: BACKEND });
      api.addOperation('POST', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'QueryKeyOnWrite')).toEqual([
      "POST /orders of API 'orders' changes state and accepts a subscription key in query parameter 'key', which ends up in access logs, browser history and Referer headers, and lets a link trigger the change",
    ]);
  });

  test('stays quiet when the key is read from the header only', () => {
    const findings = findingsOf((stack) => {
      const { api } = keyedApi(stack);
      api.addOperation('POST', '/orders', { backend: BACKEND });
    });

    expect(findingsOfRule(findings, 'QueryKeyOnWrite')).toEqual([]);
  });
});

describe('QuotaOnlyAccessControl', () => {
  test('fires when a metered key is the only credential', () => {
    const findings = findingsOf((stack) => {
      const { api, registry } = keyedApi(stack);
      api.addOperation('GET', '/orders', { backend: BACKEND });
      new Product(stack, 'Trial', {
        registry,
        apis: [api],
        quota: { limit: 100, period: apigw.Period.DAY },
      });
    });

    expect(findingsOfRule(findings, 'QuotaOnlyAccessControl')).toEqual([
      "GET /orders of API 'orders' authenticates no caller; only the limits of Trial stand in the way, and API keys identify a client for metering, they do not prove who calls",
    ]);
  });

  test('stays quiet when a token is required with the key', () => {
    const findings = findingsOf((stack) => {
      const sso = validator(stack);
      const { api, registry } = keyedApi(stack);
      api.addOperation('GET', '/orders', {
        backend: BACKEND,
        policy: AccessPolicy.allOf(AccessPolicy.jwt(sso), registry.keyPolicy()),
      });
      new Product(stack, 'Trial', {
        registry,
        apis: [api],
        quota: { limit: 100, period: apigw.Period.DAY },
      });
    });

    expect(findingsOfRule(findings, 'QuotaOnlyAccessControl')).toEqual([]);
  });
});

describe('CachedUncacheableDecision', () => {
  const declare = (ttlOverride?: number) => (stack: Stack) => {
    const bound = validator(stack, { requireCertificateBinding: true });
    const api = gatewayWith(stack, bound).addApi('orders');
    api.addOperation('GET', '/orders', { backend: BACKEND });
    if (ttlOverride !== undefined) {
      for (const authorizer of api.authorizerGroups.values()) {
        authorizer.addPropertyOverride('AuthorizerResultTtlInSeconds', ttlOverride);
      }
    }
  };

  test('fires when a certificate-bound decision is cached', () => {
    const findings = findingsOf(declare(300));

    expect(findingsOfRule(findings, 'CachedUncacheableDecision')).toEqual([
      "GET /orders of API 'orders' depends on the client certificate (bound token), but API Gateway caches its decision for 300 s under no identity source, so another connection reuses it",
    ]);
  });

  test('stays quiet when the decision is not cached', () => {
    const findings = findingsOf(declare());

    expect(findingsOfRule(findings, 'CachedUncacheableDecision')).toEqual([]);
  });

  test('fires when a client certificate decision is cached', () => {
    const findings = findingsOf((stack) => {
      const trustStore = new TrustStore(stack, 'DeviceCAs', {
        certificates: [TrustStoreCertificate.fromPemFile(PARTNER_CA)],
      });
      const devices = new ClientCertificatePolicy({ trustStore, allowAnyIdentity: true });
      const api = new Gateway(stack, 'Gateway', { defaultPolicy: devices }).addApi('readings');
      api.addOperation('POST', '/readings', { backend: BACKEND });
      for (const authorizer of api.authorizerGroups.values()) {
        authorizer.addPropertyOverride('AuthorizerResultTtlInSeconds', 60);
      }
    });

    expect(findingsOfRule(findings, 'CachedUncacheableDecision')).toEqual([
      "POST /readings of API 'readings' depends on the client certificate, but API Gateway caches its decision for 60 s under no identity source, so another connection reuses it",
    ]);
  });
});

describe('NotEnforced', () => {
  test('fires when a method override skips the authorizer', () => {
    const findings = findingsOf((stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      const method = api.addOperation('GET', '/orders', { backend: BACKEND });
      const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
      cfnMethod.addPropertyOverride('AuthorizationType', 'NONE');
      cfnMethod.addPropertyDeletionOverride('AuthorizerId');
    });

    expect(findingsOfRule(findings, 'NotEnforced')).toEqual([
      "GET /orders of API 'orders' requires credentials, but its method does not call the Gatehouse authorizer, so API Gateway lets every caller through",
    ]);
  });
});

describe('OpenUndeclaredMethod', () => {
  const declare =
    (authorizationType: apigw.AuthorizationType, method = 'GET', mock = false) =>
    (stack: Stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      const integration = mock
        ? new apigw.MockIntegration()
        : new apigw.HttpIntegration('https://debug.internal.example.com/');
      api.restApi.root.addResource('debug').addMethod(method, integration, { authorizationType });
    };

  test('fires on an open method added outside Gatehouse', () => {
    const findings = findingsOf(declare(apigw.AuthorizationType.NONE));

    expect(findingsOfRule(findings, 'OpenUndeclaredMethod')).toEqual([
      "GET /debug of API 'orders' was added to the REST API outside Gatehouse and needs no credentials",
    ]);
  });

  test('stays quiet on a method protected by IAM', () => {
    const findings = findingsOf(declare(apigw.AuthorizationType.IAM));

    expect(findingsOfRule(findings, 'OpenUndeclaredMethod')).toEqual([]);
  });

  test('stays quiet on a mock such as a CORS preflight', () => {
    const findings = findingsOf(declare(apigw.AuthorizationType.NONE, 'OPTIONS', true));

    expect(findingsOfRule(findings, 'OpenUndeclaredMethod')).toEqual([]);
  });
});
