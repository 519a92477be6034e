import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { TokenBrokerConfig } from '../../../lambda/token-broker/config';
import { BackendAuth } from '../../../lib/backend-auth/backend-auth';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { TokenBroker, TokenBrokerProps } from '../../../lib/token-broker/token-broker';
import { allResources, newStack, onlyResource, thrownBy } from '../helpers';

function brokerStack(props: TokenBrokerProps = {}) {
  const stack = newStack();
  const broker = new TokenBroker(stack, 'Broker', props);
  const gateway = new Gateway(stack, 'Gateway');
  const secret = new secretsmanager.Secret(stack, 'Legacy');
  gateway.addApi('orders').addOperation('GET', '/orders', {
    backend: Backend.mock(),
    policy: BackendAuth.basic({ broker, secret }).policy(AccessPolicy.anonymous()),
  });
  const template = Template.fromStack(stack);
  return { stack, broker, template };
}

/** Reads the `config.json` staged beside the broker bundle in the cloud assembly. */
function stagedConfig(stack: ReturnType<typeof newStack>, template: Template): TokenBrokerConfig {
  const fn = allResources(template, 'AWS::Lambda::Function').find((resource) =>
    String(resource.Description).includes('token broker'),
  );
  const assetHash = String((fn?.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
  const outdir =
    stack.node.root.node.tryGetContext('outdir') ??
    (stack.node.root as unknown as { outdir: string }).outdir;
  return JSON.parse(
    readFileSync(join(outdir, `asset.${assetHash}`, 'config.json'), 'utf8'),
  ) as TokenBrokerConfig;
}

describe('TokenBroker', () => {
  test('shared cache table uses a customer-managed key', () => {
    const { template } = brokerStack({ sharedCache: true });

    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const sse = table.SSESpecification as Record<string, unknown>;

    expect(sse.SSEEnabled).toBe(true);
    expect(sse.SSEType).toBe('KMS');
    expect(JSON.stringify(sse.KMSMasterKeyId)).toContain('BrokerCacheKey');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  test('no table without sharedCache', () => {
    const { template } = brokerStack();

    expect(allResources(template, 'AWS::DynamoDB::Table')).toHaveLength(0);
  });

  test('writes durations and connections into the staged config', () => {
    const { stack, template } = brokerStack({
      expiryMargin: Duration.seconds(30),
      maxTokenLifetime: Duration.minutes(20),
    });

    const config = stagedConfig(stack, template);

    expect(config.cache.expiryMarginSeconds).toBe(30);
    expect(config.cache.maxLifetimeSeconds).toBe(1200);
    expect(Object.values(config.connections)).toEqual([
      { kind: 'basic', secretArnVariable: 'GATEHOUSE_SECRET_0' },
    ]);
  });

  test('staged config contains no secret ARN or value', () => {
    const { stack, template } = brokerStack();

    const text = JSON.stringify(stagedConfig(stack, template));

    expect(text).not.toContain('arn:');
    expect(text).not.toContain('${Token');
  });

  test('rejects a request timeout above 10 seconds', () => {
    const stack = newStack();

    const error = thrownBy(
      () => new TokenBroker(stack, 'Broker', { requestTimeout: Duration.seconds(20) }),
    );

    expect(error.code).toBe('RequestTimeoutTooLong');
    expect(error.message).toContain('requestTimeout must be at most 10 seconds');
  });

  test('rejects a margin as long as the maximum lifetime', () => {
    const stack = newStack();

    const error = thrownBy(
      () =>
        new TokenBroker(stack, 'Broker', {
          expiryMargin: Duration.hours(1),
          maxTokenLifetime: Duration.hours(1),
        }),
    );

    expect(error.code).toBe('ExpiryMarginTooLong');
    expect(error.message).toContain('got 3600 seconds');
  });
});
