/**
 * Products as the management function reads them, passed to it as JSON in the
 * `GATEHOUSE_CATALOG` environment variable by the registry construct.
 */
export const CATALOG_ENV = 'GATEHOUSE_CATALOG';

export interface CatalogProduct {
  /** Usage plan that meters this product's keys; absent when API Gateway is not involved. */
  readonly usagePlanId?: string;
  /** Gatehouse API ids (the `gatehouseApi` stage variable values) this product covers. */
  readonly apis: readonly string[];
  readonly subscriptionRequired: boolean;
  readonly approvalRequired: boolean;
  readonly published: boolean;
  /** Most subscriptions one owner may hold in this product, counting all but final states. */
  readonly maxSubscriptionsPerOwner?: number;
  /** Version of the terms of use a subscriber must accept; absent when there are none. */
  readonly termsOfUseVersion?: string;
}

export interface ProductCatalog {
  readonly products: Readonly<Record<string, CatalogProduct>>;
  /** Every API of the gateway, which a subscription of scope `all` must be able to reach. */
  readonly apis: readonly string[];
}

/** Parses the catalog from its JSON form, failing on anything that is not one. */
export function parseCatalog(json: string | undefined): ProductCatalog {
  if (!json) {
    throw new Error(`environment variable ${CATALOG_ENV} is missing`);
  }
  const catalog = JSON.parse(json) as ProductCatalog;
  if (typeof catalog.products !== 'object' || !Array.isArray(catalog.apis)) {
    throw new Error(`${CATALOG_ENV} must be an object with 'products' and 'apis'`);
  }
  return catalog;
}
