import { IConstruct } from 'constructs';

/** Metadata type that records the claims an issuer is declared to emit. */
export const ISSUER_CLAIMS_METADATA = 'gatehouse:issuer-claims';

/**
 * Declares the claims a validator's issuer puts in its tokens, for example the
 * `claims_supported` list of its OpenID provider metadata, so the `ClaimNotEmitted` check
 * can flag a required claim that no token of that issuer carries. Calling it again adds
 * to the list.
 *
 * @example
 * declareIssuerClaims(validator, ['sub', 'aud', 'roles', 'oid', 'tid']);
 */
export function declareIssuerClaims(validator: IConstruct, claims: string[]): void {
  validator.node.addMetadata(ISSUER_CLAIMS_METADATA, [...claims]);
}

/**
 * Returns the claims declared on the construct at `path` under `root`, or undefined when
 * there is no such construct or nothing was declared on it.
 */
export function declaredIssuerClaims(root: IConstruct, path: string): string[] | undefined {
  const construct = findByPath(root, path);
  const entries = construct?.node.metadata.filter((entry) => entry.type === ISSUER_CLAIMS_METADATA);
  if (!entries || entries.length === 0) {
    return undefined;
  }
  return [...new Set(entries.flatMap((entry) => entry.data as string[]))];
}

/** Returns the construct whose path is `path`, searching under `root`. */
export function findByPath(root: IConstruct, path: string): IConstruct | undefined {
  if (root.node.path === path) {
    return root;
  }
  const prefix = root.node.path === '' ? '' : `${root.node.path}/`;
  if (!path.startsWith(prefix)) {
    return undefined;
  }
  const [nextId] = path.slice(prefix.length).split('/');
  const child = root.node.tryFindChild(nextId);
  return child ? findByPath(child, path) : undefined;
}
