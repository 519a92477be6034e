export { buildReport } from './build';
export { diffReports } from './diff';
export type { AccessChange, ChangeDirection, ReportDiff } from './diff';
export { renderDiffMarkdown } from './diff-markdown';
export { renderReportMarkdown } from './markdown';
export * from './model';
export {
  EffectivePolicyReportPlugin,
  REPORT_JSON_FILE,
  REPORT_MARKDOWN_FILE,
  writeReport,
} from './writer';
