import {
  allowsAnonymous,
  authenticatesCaller,
  changesState,
  subscriptionKeys,
  uncacheableInputs,
} from '../access-facts';
import { LintRule, operationName, operationSites, operationTarget } from '../rule';

export const notEnforced: LintRule = {
  id: 'NotEnforced',
  severity: 'error',
  description: 'An operation that requires credentials has a method that skips the authorizer.',
  check: (context) =>
    operationSites(context.report)
      .filter((site) => !site.operation.enforced)
      .map((site) => ({
        rule: 'NotEnforced',
        severity: 'error',
        message: `${operationName(site)} requires credentials, but its method does not call the Gatehouse authorizer, so API Gateway lets every caller through`,
        fix: 'remove the override of AuthorizationType or AuthorizerId on the method, or declare the operation with AccessPolicy.anonymous() if it is meant to be open',
        target: operationTarget(site),
      })),
};

export const openUndeclaredMethod: LintRule = {
  id: 'OpenUndeclaredMethod',
  severity: 'warning',
  description:
    'A method that no Gatehouse operation declares is open to every caller and reaches a backend.',
  check: (context) =>
    context.report.gateways.flatMap((gateway) =>
      gateway.apis.flatMap((api) =>
        api.undeclaredMethods
          // A mock integration responds from API Gateway itself, as CORS preflight methods do.
          .filter((method) => method.authorizationType === 'NONE' && method.integration !== 'mock')
          .map((method) => ({
            rule: 'OpenUndeclaredMethod',
            severity: 'warning' as const,
            message: `${method.method} ${method.path} of API '${api.key}' was added to the REST API outside Gatehouse and needs no credentials`,
            fix: 'declare it with addOperation() and an access policy, or acknowledge the rule if it must stay open',
            target: { stack: gateway.stack, logicalId: method.methodLogicalId },
          })),
      ),
    ),
};

export const cachedUncacheableDecision: LintRule = {
  id: 'CachedUncacheableDecision',
  severity: 'error',
  description:
    'A decision that reads the client certificate is cached under a key that does not contain it.',
  check: (context) =>
    operationSites(context.report).flatMap((site) => {
      const inputs = uncacheableInputs(site.operation.access);
      if (inputs.length === 0 || site.operation.caching.ttlSeconds === 0) {
        return [];
      }
      return [
        {
          rule: 'CachedUncacheableDecision',
          severity: 'error' as const,
          message: `${operationName(site)} depends on the ${inputs.join(' and ')}, but API Gateway caches its decision for ${site.operation.caching.ttlSeconds} s under ${site.operation.caching.identitySources.join(', ') || 'no identity source'}, so another connection reuses it`,
          fix: 'set AuthorizerResultTtlInSeconds to 0 on its authorizer (remove the override that raised it)',
          target: operationTarget(site),
        },
      ];
    }),
};

export const anonymousInSubscribedProduct: LintRule = {
  id: 'AnonymousInSubscribedProduct',
  severity: 'error',
  description:
    'An operation that anyone may call without credentials belongs to a product that requires a subscription.',
  check: (context) =>
    operationSites(context.report).flatMap((site) => {
      const products = site.operation.products.filter((product) => product.subscriptionRequired);
      if (products.length === 0 || !allowsAnonymous(site.operation.access)) {
        return [];
      }
      const names = products.map((product) => product.productId ?? product.name).join(', ');
      return [
        {
          rule: 'AnonymousInSubscribedProduct',
          severity: 'error' as const,
          message: `${operationName(site)} can be called without a subscription key, but product ${names} requires a subscription, so its quota and terms never apply to those calls`,
          fix: 'protect the operation with the registry key policy (without allowAnonymous), or move it out of the product',
          target: operationTarget(site),
        },
      ];
    }),
};

export const queryKeyOnWrite: LintRule = {
  id: 'QueryKeyOnWrite',
  severity: 'warning',
  description:
    'A subscription key is accepted in the query string of an operation that changes state.',
  check: (context) =>
    operationSites(context.report).flatMap((site) => {
      const inQuery = subscriptionKeys(site.operation.access).filter(
        (key) => key.queryParameter !== null,
      );
      if (inQuery.length === 0 || !changesState(site.operation.method)) {
        return [];
      }
      return [
        {
          rule: 'QueryKeyOnWrite',
          severity: 'warning' as const,
          message: `${operationName(site)} changes state and accepts a subscription key in query parameter '${inQuery[0].queryParameter}', which ends up in access logs, browser history and Referer headers, and lets a link trigger the change`,
          fix: 'read the key from its header only on this operation (leave queryParameter out)',
          target: operationTarget(site),
        },
      ];
    }),
};

export const quotaOnlyAccessControl: LintRule = {
  id: 'QuotaOnlyAccessControl',
  severity: 'warning',
  description:
    'A product quota or throttle is the only control on an operation that authenticates no caller.',
  check: (context) =>
    operationSites(context.report).flatMap((site) => {
      const limited = site.operation.products.filter(
        (product) => product.quota !== null || product.throttle !== null,
      );
      if (limited.length === 0 || authenticatesCaller(site.operation.access)) {
        return [];
      }
      const names = limited.map((product) => product.productId ?? product.name).join(', ');
      return [
        {
          rule: 'QuotaOnlyAccessControl',
          severity: 'warning' as const,
          message: `${operationName(site)} authenticates no caller; only the limits of ${names} stand in the way, and API keys identify a client for metering, they do not prove who calls`,
          fix: 'require a JWT, Basic credentials or a client certificate as well, with AccessPolicy.allOf(), or acknowledge the rule for deliberately public operations',
          target: operationTarget(site),
        },
      ];
    }),
};
