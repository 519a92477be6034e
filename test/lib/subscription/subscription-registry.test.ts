import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SubscriptionPersonaRoles } from '../../../lib/subscription/persona-roles';
import { SubscriptionRegistry } from '../../../lib/subscription/subscription-registry';
import { newStack, onlyResource, thrownBy } from '../helpers';
import { addProduct, saasFixture } from './fixture';

type Statement = { Action: string | string[]; Resource: unknown };

/** Returns the statements of every inline policy attached to roles whose logical id starts with `prefix`. */
function statementsOf(template: Template, prefix: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map(
      (policy) =>
        policy.Properties as {
          Roles: { Ref: string }[];
          PolicyDocument: { Statement: Statement[] };
        },
    )
    .filter((policy) => policy.Roles.some((role) => role.Ref.startsWith(prefix)))
    .flatMap((policy) => policy.PolicyDocument.Statement);
}

function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => [statement.Action].flat()))].sort();
}

function managementEnvironment(template: Template): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp('subscription management') },
  });
  const [fn] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return fn.Properties.Environment.Variables;
}

describe('SubscriptionRegistry resources', () => {
  test('creates a retained table with the owner index', () => {
    const fixture = saasFixture();

    const template = Template.fromStack(fixture.stack);

    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect((table.GlobalSecondaryIndexes as { IndexName: string }[])[0].IndexName).toBe('owner');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  test('passes the product catalog to the management function', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial', {
      approvalRequired: false,
      maxSubscriptionsPerOwner: 3,
      termsOfUse: { version: '2026-01' },
    });

    const environment = managementEnvironment(Template.fromStack(fixture.stack));

    const catalog = JSON.stringify(environment.GATEHOUSE_CATALOG);
    expect(catalog).toContain('\\"maxSubscriptionsPerOwner\\":3');
    expect(catalog).toContain('\\"termsOfUseVersion\\":\\"2026-01\\"');
    expect(catalog).toContain('\\"apis\\":[\\"orders\\"]');
  });

  test('lets the authorizer read the table and names it in its environment', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    const template = Template.fromStack(fixture.stack);

    const variable = fixture.gateway.authorizerConfig?.subscriptionRegistries?.[
      fixture.registry.registryId
    ].tableNameVariable as string;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('authorizer'),
      Environment: {
        Variables: { [variable]: { Ref: Match.stringLikeRegexp('^SubscriptionsTable') } },
      },
    });
    expect(actionsOf(statementsOf(template, 'GatewayAuthorizerRole'))).toContain(
      'dynamodb:GetItem',
    );
  });

  test('writes the lookup cache time into the authorizer config', () => {
    const fixture = saasFixture({ lookupCacheTtl: Duration.seconds(5) });
    addProduct(fixture, 'Trial');

    Template.fromStack(fixture.stack);

    const registry =
      fixture.gateway.authorizerConfig?.subscriptionRegistries?.[fixture.registry.registryId];
    expect(registry?.lookupCacheSeconds).toBe(5);
  });

  test('defaults the lookup cache time to 30 seconds', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    Template.fromStack(fixture.stack);

    expect(
      fixture.gateway.authorizerConfig?.subscriptionRegistries?.[fixture.registry.registryId]
        .lookupCacheSeconds,
    ).toBe(30);
  });

  test('rejects a lookup cache time over an hour', () => {
    const stack = newStack();

    const error = thrownBy(
      () =>
        new SubscriptionRegistry(stack, 'Subscriptions', { lookupCacheTtl: Duration.minutes(61) }),
    );

    expect(error.code).toBe('LookupCacheTtlTooLarge');
    expect(error.message).toContain('lookupCacheTtl must be at most 1 hour, got 3660 seconds');
  });

  test('rejects a missing management bundle', () => {
    const stack = newStack();

    const error = thrownBy(
      () =>
        new SubscriptionRegistry(stack, 'Subscriptions', {
          managementBundlePath: '/nonexistent/index.js',
        }),
    );

    expect(error.code).toBe('ManagementBundleMissing');
    expect(error.message).toContain("run 'npm run build:lambda'");
  });

  test('lets the management function add keys to each product plan only', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');
    addProduct(fixture, 'Paid');

    const template = Template.fromStack(fixture.stack);

    const planStatements = statementsOf(template, 'SubscriptionsManagementFunction').filter(
      (statement) => JSON.stringify(statement.Resource).includes('/usageplans/'),
    );
    expect(planStatements).toHaveLength(2);
    expect(planStatements.map((statement) => statement.Action)).toEqual([
      'apigateway:POST',
      'apigateway:POST',
    ]);
  });
});

describe('SubscriptionRegistry key policy', () => {
  test('caches decisions under the header when it is the only source', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    const template = Template.fromStack(fixture.stack);

    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      IdentitySource: 'method.request.header.x-api-key',
      AuthorizerResultTtlInSeconds: 60,
    });
  });

  test('turns caching off when a query parameter may carry the key', () => {
    const stack = newStack();
    const registry = new SubscriptionRegistry(stack, 'Subscriptions');

    const inputs = registry.keyPolicy({ queryParameter: 'subscription-key' })._inputs();

    expect(inputs.cacheable).toBe(false);
  });

  test('lower-cases the header name in the config', () => {
    const stack = newStack();
    const registry = new SubscriptionRegistry(stack, 'Subscriptions');

    const inputs = registry.keyPolicy({ header: 'X-Subscription-Key' })._inputs();

    expect(inputs.identitySources).toEqual(['method.request.header.x-subscription-key']);
  });

  test.each([
    [
      { header: 'x api key' },
      "header must be 1 to 64 HTTP token characters (letters, digits and !#$%&'*+.^_`|~-), got 'x api key'",
    ],
    [{ header: '' }, "got ''"],
    [{ queryParameter: 'key=1' }, 'queryParameter must be 1 to 64 HTTP token characters'],
  ])('rejects key source %j', (options, message) => {
    const stack = newStack();
    const registry = new SubscriptionRegistry(stack, 'Subscriptions');

    const error = thrownBy(() => registry.keyPolicy(options));

    expect(error.code).toBe('InvalidKeySourceName');
    expect(error.message).toContain(message);
  });
});

describe('SubscriptionRegistry declared subscriptions', () => {
  test('keeps logical ids when another subscription is removed', () => {
    const logicalIds = (names: string[]) => {
      const fixture = saasFixture();
      const product = addProduct(fixture, 'Trial');
      names.forEach((name) =>
        fixture.registry.addSubscription(name, { owner: name.toLowerCase(), product }),
      );
      return Object.keys(
        Template.fromStack(fixture.stack).findResources('Custom::GatehouseSubscription'),
      ).sort();
    };

    const before = logicalIds(['PartnerA', 'PartnerB', 'PartnerC']);
    const after = logicalIds(['PartnerA', 'PartnerC']);

    expect(after).toEqual([before[0], before[2]]);
  });

  test('keeps subscription ids when another subscription is removed', () => {
    const subscriptionIds = (names: string[]) => {
      const fixture = saasFixture();
      const product = addProduct(fixture, 'Trial');
      return names.map(
        (name) => fixture.registry.addSubscription(name, { owner: name, product }).subscriptionId,
      );
    };

    const before = subscriptionIds(['PartnerA', 'PartnerB', 'PartnerC']);
    const after = subscriptionIds(['PartnerA', 'PartnerC']);

    expect(after).toEqual([before[0], before[2]]);
  });

  test('puts no key value in the template', () => {
    const fixture = saasFixture();
    const product = addProduct(fixture, 'Trial');
    fixture.registry.addSubscription('Partner', { owner: 'partner-app', product, api: 'orders' });

    const resource = onlyResource(
      Template.fromStack(fixture.stack),
      'Custom::GatehouseSubscription',
    );

    expect(Object.keys(resource).sort()).toEqual([
      'Owner',
      'ProductId',
      'Scope',
      'SecretArn',
      'ServiceToken',
      'SubscriptionId',
    ]);
    expect(resource.Scope).toBe('api:orders');
    expect(JSON.stringify(resource)).not.toMatch(/ghk_/);
  });

  test('passes approve to the custom resource', () => {
    const fixture = saasFixture();
    const product = addProduct(fixture, 'Paid', { approvalRequired: true });
    fixture.registry.addSubscription('Partner', { owner: 'partner-app', product, approve: true });

    const resource = onlyResource(
      Template.fromStack(fixture.stack),
      'Custom::GatehouseSubscription',
    );

    expect(resource.Approve).toBe('true');
  });

  test('lets the management function write the secret', () => {
    const fixture = saasFixture();
    const product = addProduct(fixture, 'Trial');
    fixture.registry.addSubscription('Partner', { owner: 'partner-app', product });

    const actions = actionsOf(
      statementsOf(Template.fromStack(fixture.stack), 'SubscriptionsManagementFunction'),
    );

    expect(actions).toContain('secretsmanager:PutSecretValue');
  });

  test('rejects an API outside the product', () => {
    const fixture = saasFixture();
    const product = addProduct(fixture, 'Trial');

    const error = thrownBy(() =>
      fixture.registry.addSubscription('Partner', {
        owner: 'partner-app',
        product,
        api: 'billing',
      }),
    );

    expect(error.code).toBe('ApiNotInProduct');
    expect(error.message).toContain(
      "api must be one of product Trial's APIs (orders), got 'billing'",
    );
  });

  test('rejects an empty owner', () => {
    const fixture = saasFixture();
    const product = addProduct(fixture, 'Trial');

    const error = thrownBy(() =>
      fixture.registry.addSubscription('Partner', { owner: ' ', product }),
    );

    expect(error.code).toBe('InvalidOwner');
  });

  test('rejects a product of another registry', () => {
    const fixture = saasFixture();
    const other = new SubscriptionRegistry(fixture.stack, 'Other');
    const product = addProduct(fixture, 'Trial', { registry: other });

    const error = thrownBy(() =>
      fixture.registry.addSubscription('Partner', { owner: 'partner-app', product }),
    );

    expect(error.code).toBe('ProductNotInRegistry');
  });
});

describe('SubscriptionPersonaRoles', () => {
  function rolesTemplate(): Template {
    const fixture = saasFixture();
    const products = [addProduct(fixture, 'Trial')];
    new SubscriptionPersonaRoles(fixture.stack, 'Roles', {
      registry: fixture.registry,
      products,
      assumedBy: new iam.AccountRootPrincipal(),
    });
    return Template.fromStack(fixture.stack);
  }

  test('reader may read but not invoke or change', () => {
    const actions = actionsOf(statementsOf(rolesTemplate(), 'RolesReader'));

    expect(actions).toContain('dynamodb:GetItem');
    expect(actions).toContain('apigateway:GET');
    expect(actions).not.toContain('lambda:InvokeFunction');
    expect(
      actions.filter((action) => action.startsWith('apigateway:') && action !== 'apigateway:GET'),
    ).toEqual([]);
  });

  test('operator may run the lifecycle but not change APIs or products', () => {
    const actions = actionsOf(statementsOf(rolesTemplate(), 'RolesOperator'));

    expect(actions).toContain('lambda:InvokeFunction');
    expect(
      actions.filter((action) => action.startsWith('apigateway:') && action !== 'apigateway:GET'),
    ).toEqual([]);
    expect(
      actions.filter(
        (action) => action.startsWith('dynamodb:') && /Put|Update|Delete/.test(action),
      ),
    ).toEqual([]);
  });

  test('administrator may change usage plans and REST APIs', () => {
    const statements = statementsOf(rolesTemplate(), 'RolesAdministrator');

    const resources = JSON.stringify(
      statements.filter((statement) => [statement.Action].flat().includes('apigateway:PATCH')),
    );
    expect(resources).toContain('/usageplans/');
    expect(resources).toContain('/restapis/');
    expect(actionsOf(statements)).toContain('lambda:InvokeFunction');
  });
});

describe('SubscriptionRegistry limits', () => {
  test('warns when subscriptions need more API keys than the quota', () => {
    const fixture = saasFixture({ expectedSubscriptions: 5000 });
    const product = addProduct(fixture, 'Trial');

    fixture.registry.addSubscription('Partner', { owner: 'partner-app', product });

    Annotations.fromStack(fixture.stack).hasWarning(
      '/Test/Subscriptions',
      Match.stringLikeRegexp('1 declared and 5000 expected subscriptions need 10002 API keys'),
    );
  });

  test('stays quiet at exactly the API key quota', () => {
    const fixture = saasFixture({ expectedSubscriptions: 5000 });
    addProduct(fixture, 'Trial');

    Annotations.fromStack(fixture.stack).hasNoWarning('/Test/Subscriptions', Match.anyValue());
  });
});
