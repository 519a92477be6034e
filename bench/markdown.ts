/**
 * Prints `bench/results.json` as Markdown tables, one per benchmark group, for BENCHMARKS.md.
 * Run it with `npx tsx bench/markdown.ts`, or `npx tsx bench/markdown.ts FILE` for another
 * results file, such as `bench/results.partial.json` from a quick or partial run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hotPathTables, outageTable } from './lib/markdown-tables';
import { ResultEntry } from './lib/results';
import type { ResultsFile } from './main';

function formatValue(value: number): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function table(entries: readonly ResultEntry[]): string {
  const lines = [
    '| measurement | subject | median | min | max | unit | runs | ratio |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const entry of entries) {
    const ratio = entry.ratio === null ? '' : `${entry.ratio.toFixed(2)}x`;
    const note = entry.note ? ` (${entry.note})` : '';
    const cells = [
      entry.name,
      `${entry.subject}${note}`,
      formatValue(entry.median),
      formatValue(entry.min),
      formatValue(entry.max),
      entry.unit,
      String(entry.runs),
      ratio,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

const file = process.argv[2] ?? join(__dirname, 'results.json');
const results = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
for (const group of [...new Set(results.entries.map((entry) => entry.group))]) {
  console.log(`\n### ${group}\n`);
  console.log(table(results.entries.filter((entry) => entry.group === group)));
}
if (results.entries.some((entry) => entry.group === 'hot-paths')) {
  console.log('\n### hot paths, by measurement\n');
  console.log(hotPathTables(results.entries));
}
if (results.entries.some((entry) => entry.name.startsWith('outage: '))) {
  console.log('\n### identity-provider outage\n');
  console.log(outageTable(results.entries));
}
console.log('\n### targets\n');
console.log('| target | met | detail |\n| --- | --- | --- |');
for (const verdict of results.targets) {
  let met = 'not measured';
  if (verdict.met !== null) {
    met = verdict.met ? 'yes' : '**no**';
  }
  console.log(`| ${verdict.target} | ${met} | ${verdict.detail} |`);
}
