import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AccessPolicy, ApiPlacement, Backend, Gateway, JwtKeys, JwtValidator } from '../../lib';
import { createExampleWebAcl } from '../shared/web-acl';

/** Entra ID tenants whose employees may call the API. */
const TENANTS = ['11111111-2222-3333-4444-555555555555'];

export interface IntranetSsoStackProps extends StackProps {
  /**
   * Path of the authorizer bundle.
   *
   * @default - the bundle built by `npm run build:lambda`
   */
  readonly authorizerBundlePath?: string;
}

/**
 * An intranet API called by desktop apps whose users sign in with corporate SSO. Entra ID
 * issues the access tokens; the API accepts only tokens for its own audience that carry an
 * app role, and passes the caller's object id (`oid`) to the backend.
 */
export class IntranetSsoStack extends Stack {
  public readonly gateway: Gateway;

  constructor(scope: Construct, id: string, props: IntranetSsoStackProps = {}) {
    super(scope, id, props);

    const sso = new JwtValidator(this, 'CorporateSso', {
      issuerPattern: {
        template: 'https://login.microsoftonline.com/{tenant}/v2.0',
        tenants: TENANTS,
      },
      audiences: ['api://intranet-directory'],
      keys: JwtKeys.fromJwksUrl('https://login.microsoftonline.com/common/discovery/v2.0/keys'),
      algorithms: ['RS256'],
      requiredClaims: [
        { claim: 'roles', values: ['Directory.Read', 'Directory.Admin'], match: 'any' },
      ],
      forwardClaims: [{ claim: 'oid', header: 'X-Caller-Object-Id' }],
    });

    this.gateway = new Gateway(this, 'Gateway', {
      defaultPolicy: AccessPolicy.jwt(sso),
      webAclArn: createExampleWebAcl(this, 'WebAcl', {
        metricName: 'intranet-sso',
        requestsPerIpPerFiveMinutes: 2000,
      }).attrArn,
      authorizerBundlePath: props.authorizerBundlePath,
      // One API fits in the gateway's stack, and a nested stack per API is needed only past
      // about 18 APIs of 10 operations. This example uses it so that its synth covers nesting.
      apiPlacement: ApiPlacement.NESTED_STACK_PER_API,
    });

    const directory = this.gateway.addApi('directory', {
      description: 'Employee directory for intranet desktop apps',
    });
    const backend = 'https://directory.intranet.example.com';
    directory.addOperation('GET', '/people', { backend: Backend.http(`${backend}/people`) });
    directory.addOperation('GET', '/people/{personId}', {
      backend: Backend.http(`${backend}/people/{personId}`),
    });
    directory.addOperation('PUT', '/people/{personId}', {
      backend: Backend.http(`${backend}/people/{personId}`),
      policy: AccessPolicy.jwt(sso, {
        requiredClaims: [{ claim: 'roles', values: ['Directory.Admin'] }],
      }),
    });
    directory.addOperation('GET', '/health', {
      backend: Backend.mock({ body: '{"status":"ok"}' }),
      policy: AccessPolicy.anonymous(),
    });
  }
}
