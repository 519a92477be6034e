import { AccessChange, ChangeDirection, ReportDiff } from './diff';

const HEADINGS: Record<ChangeDirection, string> = {
  wider: 'Wider: more callers or more calls get in',
  narrower: 'Narrower: fewer callers or fewer calls get in',
  changed: 'Changed: not ranked as wider or narrower',
};

/** Renders a report diff as Markdown for a pull request: widening first. */
export function renderDiffMarkdown(diff: ReportDiff): string {
  const count = (direction: ChangeDirection) =>
    diff.changes.filter((change) => change.direction === direction).length;
  const lines = [
    '# Gatehouse access diff',
    '',
    `${count('wider')} wider, ${count('narrower')} narrower, ${count('changed')} changed.`,
    '',
  ];
  for (const direction of ['wider', 'narrower', 'changed'] as const) {
    const changes = diff.changes.filter((change) => change.direction === direction);
    if (changes.length === 0) {
      continue;
    }
    lines.push(`## ${HEADINGS[direction]}`, '');
    lines.push('| API | Operation | Change | Detail |', '| --- | --- | --- | --- |');
    lines.push(...changes.map(renderRow), '');
  }
  return lines.join('\n');
}

function renderRow(change: AccessChange): string {
  const api = `${change.gateway} \`${change.api}\``;
  return `| ${cell(api)} | ${cell(change.operation)} | ${cell(change.summary)} | ${cell(change.detail)} |`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
