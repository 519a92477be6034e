import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Backend } from '../../../lib/api/backend';
import { BasicAuth, BasicAuthProps } from '../../../lib/basic-auth/basic-auth';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { allResources, newStack, newValidator, onlyResource, synth, thrownBy } from '../helpers';

function basicStack(props: Partial<BasicAuthProps> = {}, withJwt = false) {
  const stack = newStack();
  const partners = new BasicAuth(stack, 'Partners', { realm: 'partners', ...props });
  const gateway = new Gateway(stack, 'Gateway');
  const policy = withJwt
    ? AccessPolicy.anyOf(AccessPolicy.jwt(newValidator(stack)), partners.policy())
    : partners.policy();
  gateway.addApi('invoices').addOperation('POST', '/invoices', { backend: Backend.mock(), policy });
  return { stack, gateway, partners, ...synth(stack, gateway) };
}

function unauthorizedChallenge(template: Template): string {
  const response = allResources(template, 'AWS::ApiGateway::GatewayResponse').find(
    (properties) => properties.ResponseType === 'UNAUTHORIZED',
  );
  return (response?.ResponseParameters as Record<string, string>)[
    'gatewayresponse.header.WWW-Authenticate'
  ];
}

describe('BasicAuth', () => {
  test('creates a secret with an empty user store', () => {
    const { template } = basicStack();

    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');

    expect(JSON.parse(String(secret.SecretString))).toEqual({ users: {} });
  });

  test('compiles the user store into the authorizer config', () => {
    const { config, partners } = basicStack({ refreshInterval: Duration.minutes(2) });

    expect(config.basicUserStores?.[partners.userStoreId]).toEqual({
      secretArnVariable: partners._secretArnVariable(),
      realm: 'partners',
      refreshSeconds: 120,
    });
    expect(config.apis.invoices.operations[0].access).toEqual({
      kind: 'basic',
      userStore: partners.userStoreId,
    });
  });

  test('authorizer reads the user store and knows its ARN', () => {
    const { template, partners } = basicStack();

    const authorizer = allResources(template, 'AWS::Lambda::Function').find((fn) =>
      String(fn.Description).includes('authorizer'),
    );
    const policies = JSON.stringify(allResources(template, 'AWS::IAM::Policy'));

    expect(JSON.stringify(authorizer?.Environment)).toContain(partners._secretArnVariable());
    expect(policies).toContain('secretsmanager:GetSecretValue');
  });

  test('caches decisions under the Authorization header', () => {
    const { template } = basicStack();

    const authorizer = onlyResource(template, 'AWS::ApiGateway::Authorizer');

    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
  });

  test('adds a Basic challenge to the 401 response', () => {
    const { template } = basicStack();

    expect(unauthorizedChallenge(template)).toBe(
      '\'Bearer realm="gatehouse", Basic realm="partners"\'',
    );
  });

  test('keeps the Bearer challenge beside the Basic one', () => {
    const { template } = basicStack({}, true);

    expect(unauthorizedChallenge(template)).toContain('Bearer realm=');
    expect(unauthorizedChallenge(template)).toContain('Basic realm="partners"');
  });

  test('uses a given secret instead of creating one', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'Existing');

    const partners = new BasicAuth(stack, 'Partners', { realm: 'partners', secret });

    expect(partners.secret).toBe(secret);
    expect(allResources(Template.fromStack(stack), 'AWS::SecretsManager::Secret')).toHaveLength(1);
  });

  test.each([
    ['a quote in the realm', { realm: 'a"b' }, 'InvalidRealm', `got 'a"b'`],
    ['an empty realm', { realm: '' }, 'InvalidRealm', "got ''"],
    [
      'a zero refresh interval',
      { refreshInterval: Duration.seconds(0) },
      'InvalidRefreshInterval',
      'got 0 seconds',
    ],
    [
      'a refresh interval over an hour',
      { refreshInterval: Duration.hours(2) },
      'InvalidRefreshInterval',
      'got 7200 seconds',
    ],
  ])('rejects %s', (_name, props, code, message) => {
    const stack = newStack();

    const error = thrownBy(() => new BasicAuth(stack, 'Partners', { realm: 'partners', ...props }));

    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });
});
