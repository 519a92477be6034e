/** Markdown tables of the hot-path and outage results, which `bench/markdown.ts` prints. */
import { ResultEntry } from './results';

function formatValue(value: number): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/**
 * Returns one table per hot-path measurement: a row per subject with p50, its ratio to the
 * baseline, decisions per second, p99 and, where counted, service requests per decision.
 */
export function hotPathTables(entries: readonly ResultEntry[]): string {
  const ofGroup = entries.filter((entry) => entry.group === 'hot-paths');
  const p50Suffix = ' p50 latency';
  const measurements = ofGroup
    .filter((entry) => entry.name.endsWith(p50Suffix))
    .map((entry) => entry.name.slice(0, -p50Suffix.length));
  const tables: string[] = [];
  for (const measurement of [...new Set(measurements)]) {
    const find = (subject: string, figure: string) =>
      ofGroup.find(
        (entry) => entry.subject === subject && entry.name === `${measurement} ${figure}`,
      );
    const requests = (subject: string) =>
      ofGroup.find(
        (entry) =>
          entry.subject === subject &&
          entry.name.startsWith(`${measurement} `) &&
          entry.name.endsWith(' requests per decision'),
      );
    const lines = [
      `| ${measurement} | p50 (us) | ratio | decisions/s | p99 (us) | service requests per decision |`,
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const p50 of ofGroup.filter((entry) => entry.name === `${measurement}${p50Suffix}`)) {
      const rate = find(p50.subject, 'decisions per second');
      const p99 = find(p50.subject, 'p99 latency');
      const counted = requests(p50.subject);
      const cells = [
        p50.subject,
        formatValue(p50.median),
        p50.ratio === null ? '' : `${p50.ratio.toFixed(2)}x`,
        rate ? formatValue(rate.median) : '',
        p99 ? formatValue(p99.median) : '',
        counted ? formatValue(counted.median) : '',
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    tables.push(lines.join('\n'));
  }
  return tables.join('\n\n');
}

/** Returns the outage scenario as one row per subject, with the setting each ran with. */
export function outageTable(entries: readonly ResultEntry[]): string {
  const ofOutage = entries.filter((entry) => entry.name.startsWith('outage: '));
  const subjects = [...new Set(ofOutage.map((entry) => entry.subject))];
  const lines = [
    '| subject | window (ms) | last accepted (ms) | first rejected (ms) | accepted after rejection | earlier token at bound | setting |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const subject of subjects) {
    const find = (name: string) =>
      ofOutage.find((entry) => entry.subject === subject && entry.name === `outage: ${name}`);
    const window = find('usable window configured');
    const rejected = find('first token rejected after the last good fetch');
    const earlier = find('token accepted before the outage, accepted again at the bound');
    const neverRejected = rejected?.note?.includes('never rejected') ?? false;
    const cells = [
      subject,
      window ? formatValue(window.median) : '',
      formatValue(find('last token accepted after the last good fetch')?.median ?? Number.NaN),
      neverRejected
        ? `none before ${rejected?.median} ms`
        : formatValue(rejected?.median ?? Number.NaN),
      formatValue(find('tokens accepted after the first rejection')?.median ?? Number.NaN),
      earlierTokenVerdict(earlier),
      window?.note ?? '',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function earlierTokenVerdict(entry: ResultEntry | undefined): string {
  if (entry === undefined) {
    return '';
  }
  return entry.median === 1 ? 'accepted' : 'rejected';
}
