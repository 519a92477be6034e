import { AspectPriority, Aspects, CfnResource, IAspect, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

type Reasons = Readonly<Record<string, string>>;

const LATEST_RUNTIME =
  'The bundle is built and tested for the Node.js 22 runtime; moving to a newer runtime is a deliberate upgrade';
const TRACING =
  'X-Ray tracing is left to the operator; each invocation writes a structured JSON log line with the request id';

/** Findings on the gateway's authorizer function, which API Gateway invokes synchronously. */
const AUTHORIZER: Reasons = {
  'Serverless-LambdaDLQ':
    'API Gateway invokes the authorizer synchronously and turns any failure into a denial, so no event is left for a dead-letter queue',
  'NIST.800.53.R5-LambdaDLQ':
    'API Gateway invokes the authorizer synchronously and turns any failure into a denial, so no event is left for a dead-letter queue',
  'NIST.800.53.R5-LambdaConcurrency':
    'Reserved concurrency would cap the authorizer and throttle every API behind the gateway; usage plan throttles and the account-level API Gateway throttle bound its load instead',
  'NIST.800.53.R5-LambdaInsideVPC':
    'The authorizer fetches JWKS and discovery documents from public identity providers and reaches no private resource, so a VPC would only add a NAT path',
  'Serverless-LambdaLatestVersion': LATEST_RUNTIME,
  'Serverless-LambdaTracing': TRACING,
};

/** Findings on the subscription management function, called by operators and CloudFormation. */
const MANAGEMENT_FUNCTION: Reasons = {
  'Serverless-LambdaDLQ':
    'Operators and pipelines invoke the management function synchronously and see its errors; custom resource failures fail the stack operation',
  'NIST.800.53.R5-LambdaDLQ':
    'Operators and pipelines invoke the management function synchronously and see its errors; custom resource failures fail the stack operation',
  'NIST.800.53.R5-LambdaConcurrency':
    'The management function serves low-volume administrative calls, and reserving concurrency for it would only take capacity from the account',
  'NIST.800.53.R5-LambdaInsideVPC':
    'The management function reaches DynamoDB, API Gateway and Secrets Manager through their public endpoints with IAM authorization and needs no private network',
  'Serverless-LambdaLatestVersion': LATEST_RUNTIME,
  'Serverless-LambdaTracing': TRACING,
};

/** Findings on the provider function of CDK's AwsCustomResource, which runs during deployment only. */
const DEPLOYMENT_PROVIDER: Reasons = {
  'Serverless-LambdaDLQ':
    'The AwsCustomResource provider runs during deployment only; a failure fails the stack operation',
  'NIST.800.53.R5-LambdaDLQ':
    'The AwsCustomResource provider runs during deployment only; a failure fails the stack operation',
  'NIST.800.53.R5-LambdaConcurrency':
    'The AwsCustomResource provider runs a few times per deployment',
  'NIST.800.53.R5-LambdaInsideVPC':
    'The AwsCustomResource provider calls the S3 API during deployment only and reaches no private resource',
  'Serverless-LambdaLatestVersion': 'CDK chooses the runtime of its AwsCustomResource provider',
  'Serverless-LambdaDefaultMemorySize':
    'CDK sizes its AwsCustomResource provider, which runs during deployment only',
  'Serverless-LambdaTracing': 'The AwsCustomResource provider runs during deployment only',
};

const BY_TYPE: Readonly<Record<string, Reasons>> = {
  'AWS::Logs::LogGroup': {
    'NIST.800.53.R5-CloudWatchLogGroupEncrypted':
      'CloudWatch Logs encrypts these groups at rest with service keys, and Gatehouse writes decision codes and ids to them, never tokens, keys or passwords',
  },
  'AWS::ApiGateway::Stage': {
    'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted':
      'Stage response caching is off on purpose: its cache key ignores the caller, so one caller could receive a response cached for another',
    'NIST.800.53.R5-APIGWSSLEnabled':
      'Backends are called over HTTPS; a stage client certificate is added with BackendClientCertificate where a backend requires mutual TLS',
    // NOTE: an Api stage has no default method throttle, so one caller without a usage plan key
    // can spend the account-level limit; a throttle prop on Api would close this.
    'Serverless-APIGWDefaultThrottling':
      'Per-consumer limits come from Product usage plans and the account-level API Gateway throttle; Api does not yet expose a stage-wide default throttle',
    'Serverless-APIGWXrayEnabled': TRACING,
  },
  'AWS::IAM::Policy': {
    'NIST.800.53.R5-IAMNoInlinePolicy':
      'CDK grant methods write least-privilege statements, scoped to the resources this role uses, into the role default policy; a managed policy would add nothing',
  },
  'AWS::DynamoDB::Table': {
    'NIST.800.53.R5-DynamoDBInBackupPlan':
      'Point-in-time recovery is on for the subscription registry; an AWS Backup plan is an account-level choice',
  },
  'AWS::SecretsManager::Secret': {
    'NIST.800.53.R5-SecretsManagerRotationEnabled':
      'The secret holds subscription keys, rotated one at a time with the management function so the other key keeps working',
    'NIST.800.53.R5-SecretsManagerUsingKMSKey':
      'The subscription keys are encrypted with the Secrets Manager AWS managed key; only the management function and granted roles read them',
  },
  'AWS::S3::Bucket': {
    'NIST.800.53.R5-S3BucketReplicationEnabled':
      'The trust store holds CA certificates declared in code, which a deployment writes again, so a replica would add no recovery',
    'NIST.800.53.R5-S3DefaultEncryptionKMS':
      'The bucket holds public CA certificates or access logs, encrypted at rest with S3-managed keys',
    'NIST.800.53.R5-S3BucketVersioningEnabled':
      'Server access log objects are written once and never replaced; the trust store bucket itself is versioned',
  },
  'AWS::WAFv2::WebACL': {
    'NIST.800.53.R5-WAFv2LoggingEnabled':
      'The example web ACL records CloudWatch metrics and sampled requests; full WAF logging needs an aws-waf-logs- destination that each account chooses',
  },
};

/**
 * Acknowledges the findings of the AwsSolutions, Serverless and NIST 800-53 rev 5 packs that
 * Gatehouse stacks address by design, each with the reason for its kind of resource. A finding
 * on a resource kind not listed here stays unacknowledged, so a review sees it. It works as
 * an aspect because the gateway creates its authorizer function during synthesis.
 */
export function acknowledgeReviewedFindings(stack: Stack): void {
  Aspects.of(stack).add(new AcknowledgeFindings(), { priority: AspectPriority.READONLY });
}

class AcknowledgeFindings implements IAspect {
  public visit(construct: IConstruct): void {
    if (!CfnResource.isCfnResource(construct)) {
      return;
    }
    acknowledge(construct, BY_TYPE[construct.cfnResourceType] ?? {});
    if (construct.cfnResourceType === 'AWS::Lambda::Function') {
      acknowledge(construct, functionReasons(construct));
    }
  }
}

function functionReasons(construct: CfnResource): Reasons {
  const owner = construct.node.scope?.node.id ?? '';
  if (owner === 'Authorizer') {
    return AUTHORIZER;
  }
  if (owner === 'ManagementFunction') {
    return MANAGEMENT_FUNCTION;
  }
  // CDK names the singleton provider of AwsCustomResource with this fixed id.
  return owner.startsWith('AWS679f53fac002430cb0da5b7982bd2287') ? DEPLOYMENT_PROVIDER : {};
}

function acknowledge(construct: IConstruct, reasons: Reasons): void {
  for (const [id, reason] of Object.entries(reasons)) {
    Validations.of(construct).acknowledge({ id, reason });
  }
}
