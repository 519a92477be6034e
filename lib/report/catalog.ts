import { AssemblyStack } from './assembly';
import { isObject, referencedId } from './template';

/**
 * Environment variable that carries the product catalog to the subscription management
 * function, as JSON with the usage plan ids filled in by CloudFormation.
 */
const CATALOG_VARIABLE = 'GATEHOUSE_CATALOG';

/** Prefix that stands for an unresolved reference inside the decoded catalog JSON. */
const REFERENCE = '@ref:';

/** Product settings the report shows beyond the usage plan. */
export interface CatalogEntry {
  readonly productId: string;
  readonly subscriptionRequired: boolean;
  readonly approvalRequired: boolean;
}

/**
 * Reads the product catalogs of the subscription management functions in a stack and
 * returns their products by the logical id of their usage plan.
 */
export function readCatalog(stack: AssemblyStack): Map<string, CatalogEntry> {
  const products = new Map<string, CatalogEntry>();
  for (const [, resource] of stack.template.ofType('AWS::Lambda::Function')) {
    const environment = resource.Properties?.Environment;
    const variables = isObject(environment) ? environment.Variables : undefined;
    const encoded = isObject(variables) ? variables[CATALOG_VARIABLE] : undefined;
    const catalog = encoded === undefined ? undefined : decodeCatalog(encoded);
    for (const [productId, product] of Object.entries(catalog?.products ?? {})) {
      const planId = product.usagePlanId?.startsWith(REFERENCE)
        ? product.usagePlanId.slice(REFERENCE.length)
        : undefined;
      if (planId) {
        products.set(planId, {
          productId,
          subscriptionRequired: product.subscriptionRequired !== false,
          approvalRequired: product.approvalRequired === true,
        });
      }
    }
  }
  return products;
}

interface EncodedCatalog {
  readonly products?: Record<
    string,
    { usagePlanId?: string; subscriptionRequired?: boolean; approvalRequired?: boolean }
  >;
}

/**
 * Decodes the catalog JSON, which CDK writes as `Fn::Join` when it contains references.
 * Each reference becomes `@ref:<logical id>` inside the string it stood in.
 */
function decodeCatalog(encoded: unknown): EncodedCatalog | undefined {
  let text: string | undefined;
  if (typeof encoded === 'string') {
    text = encoded;
  } else if (isObject(encoded) && Array.isArray(encoded['Fn::Join'])) {
    const [separator, parts] = encoded['Fn::Join'] as [string, unknown[]];
    text = parts
      .map((part) => (typeof part === 'string' ? part : `${REFERENCE}${referencedId(part) ?? ''}`))
      .join(separator);
  }
  if (text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text) as EncodedCatalog;
  } catch {
    return undefined;
  }
}
