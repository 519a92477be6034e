/**
 * API Gateway quotas per account and region that a registry's declarations can approach,
 * from the API Gateway developer guide's quota tables (REST APIs).
 */
export const API_GATEWAY_LIMITS = {
  /** API keys per account and region. */
  apiKeys: 10_000,
  /** Usage plans per account and region. */
  usagePlans: 300,
  /** Usage plans one API key can belong to. */
  usagePlansPerKey: 10,
} as const;

/** Lambda caps all environment variables of a function at 4 KB together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;
