import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Api } from '../../../lib/api/api';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { Product, ProductProps } from '../../../lib/product/product';
import {
  SubscriptionRegistry,
  SubscriptionRegistryProps,
} from '../../../lib/subscription/subscription-registry';
import { newStack, newValidator } from '../helpers';

/** A gateway with three APIs, a registry, and the methods `addOperation()` returned. */
export interface SaasFixture {
  readonly stack: Stack;
  readonly gateway: Gateway;
  readonly registry: SubscriptionRegistry;
  readonly orders: Api;
  readonly catalog: Api;
  readonly billing: Api;
  readonly listOrders: apigw.Method;
  readonly createOrder: apigw.Method;
}

/** Builds the fixture; every operation needs a subscription key unless stated otherwise. */
export function saasFixture(registryProps: SubscriptionRegistryProps = {}): SaasFixture {
  const stack = newStack();
  const validator = newValidator(stack);
  const registry = new SubscriptionRegistry(stack, 'Subscriptions', registryProps);
  const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: registry.keyPolicy() });
  const orders = gateway.addApi('orders');
  const catalog = gateway.addApi('catalog');
  const billing = gateway.addApi('billing');
  const backend = Backend.http('https://backend.example.com/');

  const listOrders = orders.addOperation('GET', '/orders', { backend });
  const createOrder = orders.addOperation('POST', '/orders', {
    backend,
    policy: AccessPolicy.allOf(AccessPolicy.jwt(validator), registry.keyPolicy()),
  });
  orders.addOperation('GET', '/health', { backend, policy: AccessPolicy.anonymous() });
  catalog.addOperation('GET', '/items', {
    backend,
    policy: registry.keyPolicy({ allowAnonymous: true }),
  });
  billing.addOperation('GET', '/invoices', { backend });
  return { stack, gateway, registry, orders, catalog, billing, listOrders, createOrder };
}

/** Adds a product over the given APIs with the fixture's registry. */
export function addProduct(
  fixture: SaasFixture,
  id: string,
  props: Partial<ProductProps> = {},
): Product {
  return new Product(fixture.stack, id, {
    registry: fixture.registry,
    apis: [fixture.orders],
    ...props,
  });
}
