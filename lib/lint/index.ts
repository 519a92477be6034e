export { GATEHOUSE_RULES, GatehouseChecks, lintReport } from './checks';
export { declareIssuerClaims } from './issuer-claims';
export type { LintContext, LintFinding, LintRule, LintSeverity, LintTarget } from './rule';
