import type { AccessRequirement, AuthorizerConfig } from '../policy/config';

/**
 * Part of the access policy that a capability file implements. It is a requirement kind, or
 * `certificateBinding` for JWT validators that require RFC 8705 certificate-bound tokens.
 */
export type CapabilityFeature = AccessRequirement['kind'] | 'certificateBinding';

/** One file of the split authorizer bundle, loaded by the core `index.js` on first use. */
export interface CapabilityFile {
  /** File name beside the core `index.js`. */
  readonly file: string;
  /**
   * Source modules, relative to the repository root, that this file contains and the core
   * leaves out.
   */
  readonly modules: readonly string[];
  /** Features whose presence in a config makes the authorizer load this file. */
  readonly features: readonly CapabilityFeature[];
}

/**
 * Capability files that `scripts/build-lambdas.mjs` writes beside the core bundle. The core
 * contains the event parsing, the decision, JWT validation, key sets, `anonymous`, `allOf`,
 * `anyOf`, the response and the log line. Every other requirement kind is in one of these
 * files, and the Gateway construct ships only the files its config uses.
 */
export const CAPABILITY_FILES: readonly CapabilityFile[] = [
  { file: 'basic.js', modules: ['lambda/policy/basic/index.ts'], features: ['basic'] },
  {
    file: 'subscription.js',
    modules: ['lambda/policy/subscription/index.ts'],
    features: ['subscriptionKey'],
  },
  {
    file: 'backend.js',
    modules: ['lambda/policy/backend/backend-credential.ts'],
    features: ['backendCredential'],
  },
  {
    file: 'certificate.js',
    modules: [
      'lambda/policy/certificate/evaluate-certificate.ts',
      'lambda/policy/certificate/binding.ts',
    ],
    features: ['clientCertificate', 'certificateBinding'],
  },
];

/**
 * Lists every feature a config uses. These are the requirement kinds of its operations, nested
 * ones included, plus backend credentials and certificate binding.
 */
export function featuresOf(config: AuthorizerConfig): Set<CapabilityFeature> {
  const features = new Set<CapabilityFeature>();
  const visit = (requirement: AccessRequirement): void => {
    features.add(requirement.kind);
    if (requirement.kind === 'allOf' || requirement.kind === 'anyOf') {
      requirement.of.forEach(visit);
    }
  };
  for (const api of Object.values(config.apis)) {
    for (const operation of api.operations) {
      visit(operation.access);
      if (operation.backendCredential !== undefined) {
        features.add('backendCredential');
      }
    }
  }
  const validators = Object.values(config.jwtValidators);
  if (validators.some((validator) => validator.requireCertificateBinding === true)) {
    features.add('certificateBinding');
  }
  return features;
}

/** Returns the capability files the authorizer may load for this config, in list order. */
export function capabilityFilesFor(config: AuthorizerConfig): CapabilityFile[] {
  const features = featuresOf(config);
  return CAPABILITY_FILES.filter((capability) =>
    capability.features.some((feature) => features.has(feature)),
  );
}
