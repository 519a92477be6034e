import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Backend } from '../../../lib/api/backend';
import { BackendAuth } from '../../../lib/backend-auth/backend-auth';
import { ClientAuthentication } from '../../../lib/backend-auth/client-authentication';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { TokenBroker } from '../../../lib/token-broker/token-broker';
import { allResources, newStack, newValidator, synth, thrownBy } from '../helpers';

const TOKEN_ENDPOINT = 'https://login.example.com/oauth2/token';

interface Fixture {
  stack: Stack;
  gateway: Gateway;
  broker: TokenBroker;
  clientSecret: secretsmanager.Secret;
  legacySecret: secretsmanager.Secret;
  otherSecret: secretsmanager.Secret;
}

function fixture(): Fixture {
  const stack = newStack();
  const validator = newValidator(stack);
  const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(validator) });
  const broker = new TokenBroker(stack, 'Broker', { sharedCache: true });
  const clientSecret = new secretsmanager.Secret(stack, 'ClientSecret');
  const legacySecret = new secretsmanager.Secret(stack, 'LegacySecret');
  const otherSecret = new secretsmanager.Secret(stack, 'OtherSecret');
  const orders = gateway.addApi('orders');
  const clientCredentials = BackendAuth.clientCredentials({
    broker,
    tokenEndpoint: TOKEN_ENDPOINT,
    clientId: 'gateway',
    clientAuthentication: ClientAuthentication.clientSecretBasic(clientSecret),
    scopes: ['orders.read', 'orders.write'],
  });
  orders.addOperation('GET', '/orders', {
    backend: Backend.http('https://orders.internal/orders'),
    policy: clientCredentials.policy(AccessPolicy.jwt(validator)),
  });
  orders.addOperation('GET', '/legacy', {
    backend: Backend.http('https://legacy.internal/'),
    policy: BackendAuth.basic({ broker, secret: legacySecret, header: 'X-Legacy-Auth' }).policy(
      AccessPolicy.jwt(validator),
    ),
  });
  orders.addOperation('GET', '/public', { backend: Backend.mock() });
  return { stack, gateway, broker, clientSecret, legacySecret, otherSecret };
}

/** Returns the policy statements of the role whose logical id starts with `prefix`. */
function statementsOf(template: Template, rolePrefix: string): Record<string, unknown>[] {
  const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
  return policies
    .filter(([, policy]) =>
      JSON.stringify((policy as { Properties: { Roles: unknown } }).Properties.Roles).includes(
        rolePrefix,
      ),
    )
    .flatMap(
      ([, policy]) =>
        (policy as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } })
          .Properties.PolicyDocument.Statement,
    );
}

function secretReads(statements: Record<string, unknown>[]): string[] {
  return statements
    .filter((statement) =>
      JSON.stringify(statement.Action).includes('secretsmanager:GetSecretValue'),
    )
    .map((statement) => JSON.stringify(statement.Resource));
}

function logicalId(stack: Stack, secret: secretsmanager.Secret): string {
  return stack.getLogicalId(secret.node.defaultChild as secretsmanager.CfnSecret);
}

describe('BackendAuth', () => {
  test('broker role reads only the connection secrets', () => {
    const { stack, gateway, clientSecret, legacySecret, otherSecret } = fixture();

    const { template } = synth(stack, gateway);
    const reads = secretReads(statementsOf(template, 'BrokerRole'));

    expect(reads).toHaveLength(2);
    expect(reads.join()).toContain(logicalId(stack, clientSecret));
    expect(reads.join()).toContain(logicalId(stack, legacySecret));
    expect(reads.join()).not.toContain(logicalId(stack, otherSecret));
  });

  test('authorizer cannot read any backend secret', () => {
    const { stack, gateway } = fixture();

    const { template } = synth(stack, gateway);
    const statements = statementsOf(template, 'GatewayAuthorizerRole');

    expect(secretReads(statements)).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain('kms:Decrypt');
  });

  test('authorizer may invoke the broker and knows its ARN', () => {
    const { stack, gateway } = fixture();

    const { template } = synth(stack, gateway);
    const invoke = statementsOf(template, 'GatewayAuthorizerRole').filter((statement) =>
      JSON.stringify(statement.Action).includes('lambda:InvokeFunction'),
    );
    const authorizer = allResources(template, 'AWS::Lambda::Function').find((fn) =>
      String(fn.Description).includes('authorizer'),
    );

    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0].Resource)).toContain('BrokerFunction');
    expect(JSON.stringify(authorizer?.Environment)).toContain('GATEHOUSE_TOKEN_BROKER_ARN');
  });

  test('maps the credential to the backend header, replacing the caller', () => {
    const { stack, gateway } = fixture();

    const { template } = synth(stack, gateway);
    const parameters = allResources(template, 'AWS::ApiGateway::Method').map(
      (method) =>
        (method.Integration as { RequestParameters?: Record<string, string> }).RequestParameters ??
        {},
    );

    expect(parameters).toContainEqual(
      expect.objectContaining({
        'integration.request.header.Authorization': 'context.authorizer.backendAuthorization',
      }),
    );
    expect(parameters).toContainEqual(
      expect.objectContaining({
        'integration.request.header.X-Legacy-Auth': 'context.authorizer.backendAuthorization',
      }),
    );
  });

  test('operations with a broker credential get an uncached authorizer', () => {
    const { stack, gateway } = fixture();

    const { template } = synth(stack, gateway);
    const ttls = allResources(template, 'AWS::ApiGateway::Authorizer').map(
      (authorizer) => authorizer.AuthorizerResultTtlInSeconds,
    );

    expect(ttls).toContain(0);
    const config = gateway.authorizerConfig!;
    const orders = config.apis.orders.operations.find((operation) => operation.path === '/orders');
    const uncached = config.apis.orders.operations.filter(
      (operation) => operation.authorizer === 'uncached',
    );
    expect(orders?.authorizer).toBe('uncached');
    expect(uncached.map((operation) => operation.path).sort()).toEqual(['/legacy', '/orders']);
  });

  test('compiles the credential into the operation config', () => {
    const { stack, gateway } = fixture();

    const { config } = synth(stack, gateway);
    const orders = config.apis.orders.operations.find((operation) => operation.path === '/orders');
    const open = config.apis.orders.operations.find((operation) => operation.path === '/public');

    expect(orders?.backendCredential).toEqual({
      connection: expect.stringMatching(/^connection-\d+$/),
      contextKey: 'backendAuthorization',
      brokerTimeoutMs: 5000,
    });
    expect(open?.backendCredential).toBeUndefined();
  });

  test('token exchange checks the subject token before exchanging it', () => {
    const stack = newStack();
    const validator = newValidator(stack);
    const gateway = new Gateway(stack, 'Gateway');
    const broker = new TokenBroker(stack, 'Broker');
    const exchange = BackendAuth.tokenExchange({
      broker,
      tokenEndpoint: TOKEN_ENDPOINT,
      clientId: 'gateway',
      clientAuthentication: ClientAuthentication.privateKeyJwt(
        new secretsmanager.Secret(stack, 'Key'),
        { algorithm: 'ES256' },
      ),
      audience: 'https://orders.internal',
      subjectValidator: validator,
    });

    gateway.addApi('orders').addOperation('GET', '/orders', {
      backend: Backend.http('https://orders.internal/orders'),
      policy: exchange.policy(AccessPolicy.anonymous()),
    });
    const { config } = synth(stack, gateway);
    const access = config.apis.orders.operations[0].access;

    expect(access.kind).toBe('allOf');
    expect(JSON.stringify(access)).toContain('"kind":"jwt"');
    expect(config.apis.orders.operations[0].backendCredential?.subjectValidator).toBe(
      validator.node.path,
    );
  });

  test.each([
    [
      'plain http',
      'http://login.example.com/token',
      'InvalidTokenEndpoint',
      "tokenEndpoint must be an https URL, because the client secret is sent to it, got 'http://login.example.com/token'",
    ],
    ['a relative path', '/oauth2/token', 'InvalidTokenEndpoint', "got '/oauth2/token'"],
  ])('rejects a token endpoint with %s', (_name, tokenEndpoint, code, message) => {
    const stack = newStack();
    const broker = new TokenBroker(stack, 'Broker');
    const clientSecret = new secretsmanager.Secret(stack, 'S');

    const error = thrownBy(() =>
      BackendAuth.clientCredentials({
        broker,
        tokenEndpoint,
        clientId: 'gateway',
        clientAuthentication: ClientAuthentication.clientSecretPost(clientSecret),
      }),
    );

    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  test('rejects a header that is not an HTTP token', () => {
    const stack = newStack();
    const gateway = new Gateway(stack, 'Gateway');
    const broker = new TokenBroker(stack, 'Broker');
    const auth = BackendAuth.basic({
      broker,
      secret: new secretsmanager.Secret(stack, 'S'),
      header: 'Bad Header',
    });
    gateway.addApi('orders').addOperation('GET', '/orders', {
      backend: Backend.mock(),
      policy: auth.policy(AccessPolicy.anonymous()),
    });

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('InvalidBackendAuthHeader');
    expect(error.message).toContain("got 'Bad Header'");
  });

  test('rejects two brokers on one gateway', () => {
    const stack = newStack();
    const gateway = new Gateway(stack, 'Gateway');
    const api = gateway.addApi('orders');
    for (const id of ['BrokerA', 'BrokerB']) {
      const broker = new TokenBroker(stack, id);
      const auth = BackendAuth.basic({
        broker,
        secret: new secretsmanager.Secret(stack, `${id}Secret`),
      });
      api.addOperation('GET', `/${id.toLowerCase()}`, {
        backend: Backend.mock(),
        policy: auth.policy(AccessPolicy.anonymous()),
      });
    }

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('MultipleTokenBrokers');
  });
  test('rejects a backend credential under anyOf', () => {
    const stack = newStack();
    const validator = newValidator(stack);
    const gateway = new Gateway(stack, 'Gateway');
    const broker = new TokenBroker(stack, 'Broker');
    const auth = BackendAuth.basic({ broker, secret: new secretsmanager.Secret(stack, 'S') });
    gateway.addApi('orders').addOperation('GET', '/orders', {
      backend: Backend.mock(),
      policy: AccessPolicy.anyOf(
        auth.policy(AccessPolicy.jwt(validator)),
        AccessPolicy.jwt(validator),
      ),
    });

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('BackendAuthUnderAnyOf');
    expect(error.message).toContain('wrap the whole anyOf() in backendAuth.policy()');
  });

  test('rejects two backend credentials in one allOf', () => {
    const stack = newStack();
    const validator = newValidator(stack);
    const gateway = new Gateway(stack, 'Gateway');
    const broker = new TokenBroker(stack, 'Broker');
    const first = BackendAuth.basic({ broker, secret: new secretsmanager.Secret(stack, 'A') });
    const second = BackendAuth.basic({ broker, secret: new secretsmanager.Secret(stack, 'B') });
    gateway.addApi('orders').addOperation('GET', '/orders', {
      backend: Backend.mock(),
      policy: AccessPolicy.allOf(
        first.policy(AccessPolicy.jwt(validator)),
        second.policy(AccessPolicy.jwt(validator)),
      ),
    });

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('MultipleBackendAuth');
    expect(error.message).toContain('got 2 inside one AccessPolicy.allOf()');
  });
});
