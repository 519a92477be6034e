import { ProductCatalog } from '../../../lambda/subscriptions/catalog';

/** Three APIs and one product of each kind the manager treats differently. */
export const catalog: ProductCatalog = {
  apis: ['orders', 'catalog', 'billing'],
  products: {
    trial: {
      usagePlanId: 'plan-trial',
      apis: ['orders', 'catalog'],
      subscriptionRequired: true,
      approvalRequired: false,
      published: true,
      maxSubscriptionsPerOwner: 2,
    },
    paid: {
      usagePlanId: 'plan-paid',
      apis: ['orders', 'catalog', 'billing'],
      subscriptionRequired: true,
      approvalRequired: true,
      published: true,
      termsOfUseVersion: '2026-01',
    },
    drafts: {
      usagePlanId: 'plan-drafts',
      apis: ['orders'],
      subscriptionRequired: true,
      approvalRequired: false,
      published: false,
    },
    open: {
      apis: ['catalog'],
      subscriptionRequired: false,
      approvalRequired: false,
      published: true,
    },
  },
};
