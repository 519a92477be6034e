import {
  AccessReport,
  ApiReport,
  BackendReport,
  EffectivePolicyReport,
  GatewayReport,
  JwtAccessReport,
  OperationReport,
  ProductReport,
  SubscriptionKeyAccessReport,
  ClientCertificateAccessReport,
} from './model';

/** Renders the report as Markdown: an overview table per API, then each operation in detail. */
export function renderReportMarkdown(report: EffectivePolicyReport): string {
  const lines = ['# Gatehouse effective-policy report', ''];
  if (report.gateways.length === 0) {
    lines.push('The cloud assembly holds no Gatehouse authorizer.', '');
  }
  for (const gateway of report.gateways) {
    lines.push(...renderGateway(gateway));
  }
  return lines.join('\n');
}

function renderGateway(gateway: GatewayReport): string[] {
  const lines = [`## Gateway \`${gateway.gateway}\` (stack ${gateway.stack})`, ''];
  for (const problem of gateway.problems) {
    lines.push(`> Problem: ${problem}`, '');
  }
  for (const api of gateway.apis) {
    lines.push(...renderApi(api));
  }
  return lines;
}

function renderApi(api: ApiReport): string[] {
  const stages = api.stages.map((stage) => stage.name).join(', ') || 'none found';
  const lines = [`### API \`${api.key}\` (${api.name}; stages: ${stages})`, ''];
  lines.push('| Operation | Caller | Products | Backend authentication | Decision cache |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const operation of api.operations) {
    lines.push(
      `| ${cell(operationName(operation))} | ${cell(summarizeAccess(operation))} | ${cell(listProducts(operation.products))} | ${cell(summarizeBackendAuth(operation.backend))} | ${cell(summarizeCache(operation))} |`,
    );
  }
  lines.push('');
  for (const operation of api.operations) {
    lines.push(...renderOperation(operation));
  }
  if (api.undeclaredMethods.length > 0) {
    lines.push('#### Methods not declared in Gatehouse', '');
    for (const method of api.undeclaredMethods) {
      lines.push(
        `- ${method.method} ${method.path}: authorization ${method.authorizationType}, ${method.integration} integration`,
      );
    }
    lines.push('');
  }
  return lines;
}

function renderOperation(operation: OperationReport): string[] {
  const lines = [`#### ${operationName(operation)}`, ''];
  if (!operation.enforced) {
    lines.push(
      '> Not enforced: the method does not call the Gatehouse authorizer, so API Gateway lets every caller through.',
      '',
    );
  }
  lines.push('- Caller:');
  lines.push(...renderAccess(operation.access, '  '));
  lines.push(`- Products: ${summarizeProducts(operation.products)}`);
  lines.push(`- Backend: ${describeBackendTarget(operation.backend)}`);
  lines.push(`- Backend authentication: ${summarizeBackendAuth(operation.backend)}`);
  const headers = operation.backend.headersFromAuthorizer.map(
    (header) => `\`${header.header}\` from \`${header.contextKey}\``,
  );
  if (headers.length > 0) {
    lines.push(`- Headers sent to the backend from the authorizer context: ${headers.join(', ')}`);
  }
  lines.push(`- Decision cache: ${summarizeCache(operation)}`);
  lines.push('');
  return lines;
}

function renderAccess(access: AccessReport, indent: string): string[] {
  switch (access.kind) {
    case 'anonymous':
      return [`${indent}- anyone, with no credentials`];
    case 'jwt':
      return renderJwt(access, indent);
    case 'allOf':
    case 'anyOf': {
      const heading = access.kind === 'allOf' ? 'all of:' : 'any one of:';
      return [
        `${indent}- ${heading}`,
        ...access.of.flatMap((member) => renderAccess(member, `${indent}  `)),
      ];
    }
    case 'basic':
      return [
        `${indent}- Basic credentials of user store \`${access.userStore}\` (realm ${access.realm ?? 'unknown'}, secret ${access.secret ?? 'unknown'})`,
      ];
    case 'subscriptionKey':
      return [`${indent}- ${describeSubscriptionKey(access)}`];
    case 'clientCertificate':
      return renderClientCertificate(access, indent);
    case 'other':
      return [`${indent}- ${access.requirementKind}: \`${JSON.stringify(access.raw)}\``];
  }
}

function describeSubscriptionKey(key: SubscriptionKeyAccessReport): string {
  const query = key.queryParameter
    ? `, or query parameter \`${key.queryParameter}\` when the header is absent`
    : '';
  const optional = key.optional
    ? ' (optional: a request without a key passes, a wrong key is denied)'
    : '';
  const cache =
    key.lookupCacheSeconds === null
      ? ''
      : `; registry lookups reused for ${key.lookupCacheSeconds} s`;
  return `active subscription key in header \`${key.header}\`${query}${optional}${cache}`;
}

function renderClientCertificate(
  certificate: ClientCertificateAccessReport,
  indent: string,
): string[] {
  const inner = `${indent}  `;
  const lines = [`${indent}- client certificate (mutual TLS) issued by:`];
  for (const authority of certificate.certificateAuthorities) {
    lines.push(`${inner}- ${authority.subject} (SHA-256 ${authority.sha256})`);
  }
  if (certificate.identities === null) {
    lines.push(`${inner}- any identity the trust store accepts`);
  } else {
    for (const identity of certificate.identities) {
      const fields = Object.entries(identity).map(([name, value]) => `${name} ${code(value)}`);
      lines.push(`${inner}- identity with ${fields.join(', ')}`);
    }
  }
  const revocation = Object.entries(certificate.revocation).map(
    ([name, value]) => `${name} ${value}`,
  );
  lines.push(`${inner}- revocation: ${revocation.join(', ')}`);
  return lines;
}

function renderJwt(jwt: JwtAccessReport, indent: string): string[] {
  const inner = `${indent}  `;
  const issuers = jwt.issuers.map((issuer) =>
    'exact' in issuer
      ? `\`${issuer.exact}\``
      : `\`${issuer.pattern}\` for tenants ${issuer.tenants.map((t) => `\`${t}\``).join(', ')}`,
  );
  const audiences =
    jwt.audiences === null ? 'any audience' : jwt.audiences.map((a) => `\`${a}\``).join(', ');
  const lines = [
    `${indent}- JWT accepted by validator \`${jwt.validator}\`, read from ${jwt.tokenSources.map(describeTokenSource).join(', then ')}`,
    `${inner}- issuers: ${issuers.join(', ')}`,
    `${inner}- audiences: ${audiences}`,
    `${inner}- algorithms: ${jwt.algorithms.join(', ')}`,
    `${inner}- keys: ${describeKeys(jwt)}`,
  ];
  for (const claim of jwt.requiredClaims) {
    const values = claim.values.map((value) => `\`${value}\``).join(', ');
    lines.push(
      `${inner}- required claim \`${claim.claim}\` contains ${claim.match} of ${values} (${claim.from})`,
    );
  }
  if (jwt.requiredClaims.length === 0) {
    lines.push(`${inner}- no required claims`);
  }
  const age =
    jwt.maxTokenAgeSeconds === null
      ? 'tokens of any age'
      : `tokens at most ${jwt.maxTokenAgeSeconds} s old`;
  const expiry = jwt.requireExpiry ? 'expiry required' : 'expiry not required';
  lines.push(`${inner}- ${expiry}, clock skew ${jwt.clockSkewSeconds} s, ${age}`);
  if (jwt.requireCertificateBinding) {
    lines.push(
      `${inner}- token must be bound to the client certificate (RFC 8705 \`cnf.x5t#S256\`)`,
    );
  }
  for (const forward of jwt.forwardedClaims) {
    lines.push(
      `${inner}- claim \`${forward.claim}\` forwarded as context \`${forward.contextKey}\``,
    );
  }
  return lines;
}

function describeTokenSource(source: JwtAccessReport['tokenSources'][number]): string {
  if (source.in === 'header') {
    return `header \`${source.name}\`${source.scheme ? ` with scheme ${source.scheme}` : ''}`;
  }
  return `${source.in} \`${source.name}\``;
}

function describeKeys(jwt: JwtAccessReport): string {
  if (jwt.keys.kind === 'inline') {
    return `inline keys ${jwt.keys.keyIds.map((kid) => `\`${kid}\``).join(', ')}`;
  }
  const source = jwt.keys.kind === 'discovery' ? 'OpenID discovery' : 'JWKS';
  return `${source} at \`${jwt.keys.url}\``;
}

/** Returns a one-line summary of who may call, for the overview table. */
function summarizeAccess(operation: OperationReport): string {
  const summary = summarize(operation.access);
  return operation.enforced ? summary : `NOT ENFORCED (declared: ${summary})`;

  function summarize(access: AccessReport): string {
    switch (access.kind) {
      case 'anonymous':
        return 'anyone';
      case 'jwt': {
        const audiences = access.audiences === null ? 'any audience' : access.audiences.join(' | ');
        const claims = access.requiredClaims.map(
          (claim) => `${claim.claim} ${claim.match} of ${claim.values.join(', ')}`,
        );
        return `JWT (${audiences}${claims.length > 0 ? `; ${claims.join('; ')}` : ''})`;
      }
      case 'allOf':
        return access.of.map(summarize).join(' AND ');
      case 'anyOf':
        return `(${access.of.map(summarize).join(' OR ')})`;
      case 'basic':
        return `Basic (${access.userStore})`;
      case 'subscriptionKey':
        return access.optional ? 'subscription key (optional)' : 'subscription key';
      case 'clientCertificate':
        return 'client certificate';
      case 'other':
        return access.requirementKind;
    }
  }
}

function summarizeProducts(products: ProductReport[]): string {
  if (products.length === 0) {
    return 'none';
  }
  return products.map(describeProduct).join('; ');
}

/** Returns product names with their quota, for the overview table. */
function listProducts(products: ProductReport[]): string {
  if (products.length === 0) {
    return 'none';
  }
  return products
    .map((product) => {
      const name = product.productId ?? product.name;
      return product.quota
        ? `${name} (${product.quota.limit}/${product.quota.period.toLowerCase()})`
        : name;
    })
    .join(', ');
}

function describeProduct(product: ProductReport): string {
  const limits: string[] = [];
  if (product.quota) {
    limits.push(`quota ${product.quota.limit} per ${product.quota.period.toLowerCase()}`);
  }
  if (product.throttle) {
    const scope = product.throttle.methodOverride ? ' (this operation)' : '';
    limits.push(
      `${product.throttle.rateLimit ?? 'no'} req/s, burst ${product.throttle.burstLimit ?? 'none'}${scope}`,
    );
  }
  if (product.subscriptionRequired === false) {
    limits.push('no subscription required');
  }
  if (product.approvalRequired) {
    limits.push('subscriptions need approval');
  }
  const name = product.productId ? `${product.productId} (${product.name})` : product.name;
  return `${name} on ${product.stage}${limits.length > 0 ? `: ${limits.join(', ')}` : ''}`;
}

function describeBackendTarget(backend: BackendReport): string {
  return backend.target ? `${backend.integration} \`${backend.target}\`` : backend.integration;
}

function summarizeBackendAuth(backend: BackendReport): string {
  if (backend.authentication.length === 0) {
    return 'none';
  }
  return backend.authentication
    .map((auth) => {
      switch (auth.kind) {
        case 'clientCertificate':
          return 'stage client certificate';
        case 'brokerCredential': {
          const exchange = auth.exchangesTokenOf
            ? `, exchanging the ${auth.exchangesTokenOf} token`
            : '';
          return `token broker connection ${auth.connection} in ${auth.header ?? 'an unmapped header'}${exchange}`;
        }
        case 'iamRole':
          return `IAM role ${auth.role}`;
      }
    })
    .join('; ');
}

function summarizeCache(operation: OperationReport): string {
  if (operation.caching.authorizer === null) {
    return 'no authorizer';
  }
  if (operation.caching.ttlSeconds === 0) {
    return 'not cached';
  }
  return `${operation.caching.ttlSeconds} s per ${operation.caching.identitySources.join(' + ')}`;
}

function operationName(operation: OperationReport): string {
  return `${operation.method} ${operation.path}`;
}

/** Formats a value as inline code on one line; distinguished names hold line breaks. */
function code(value: string): string {
  return `\`${value.split('\n').join(', ')}\``;
}

/** Escapes the characters that would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
