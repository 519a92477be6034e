import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildReport } from '../lib/report/build';
import { diffReports } from '../lib/report/diff';
import { renderDiffMarkdown } from '../lib/report/diff-markdown';
import { renderReportMarkdown } from '../lib/report/markdown';
import { EffectivePolicyReport, REPORT_FORMAT_VERSION } from '../lib/report/model';

export const REPORT_USAGE = `Usage:
  gatehouse report <cdk.out> [--json] [--output FILE]
      Prints who may call each operation, read from the cloud assembly alone.
  gatehouse report --diff <old> <new> [--json] [--output FILE] [--fail-on-wider]
      Prints what access got wider, narrower or changed between two synths, widening
      first. <old> and <new> are cloud assembly directories or gatehouse-report.json files.

Options:
  --json           print JSON instead of Markdown
  --output FILE    write to FILE instead of standard output
  --fail-on-wider  with --diff, exit with status 1 when any access got wider
`;

/** Output streams of the command; the CLI passes the process streams, and tests pass buffers. */
export interface CommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_OUTPUT: CommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Runs `gatehouse report` with the arguments after the command name and returns the exit
 * status: 0 on success, 1 when `--fail-on-wider` finds a widening, 2 on a usage or read
 * error.
 */
export function runReportCommand(args: string[], output: CommandOutput = PROCESS_OUTPUT): number {
  let options: ReturnType<typeof parseReportArgs>;
  try {
    options = parseReportArgs(args);
  } catch (error) {
    output.stderr(`gatehouse report: ${(error as Error).message}\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (options.help) {
    output.stdout(REPORT_USAGE);
    return 0;
  }

  try {
    if (options.diff) {
      const diff = diffReports(loadReport(options.paths[0]), loadReport(options.paths[1]));
      const text = options.json ? `${JSON.stringify(diff, null, 2)}\n` : renderDiffMarkdown(diff);
      emit(text, options.output, output);
      const widened = diff.changes.some((change) => change.direction === 'wider');
      return options.failOnWider && widened ? 1 : 0;
    }
    const report = buildReport(options.paths[0]);
    const text = options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : renderReportMarkdown(report);
    emit(text, options.output, output);
    return 0;
  } catch (error) {
    output.stderr(`gatehouse report: ${(error as Error).message}\n`);
    return 2;
  }
}

function parseReportArgs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      diff: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      output: { type: 'string' },
      'fail-on-wider': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const expected = values.diff ? 2 : 1;
  if (!values.help && positionals.length !== expected) {
    const wanted = values.diff ? 'two paths (old and new)' : 'one cloud assembly directory';
    throw new Error(`expected ${wanted}, got ${positionals.length} argument(s)`);
  }
  if (values['fail-on-wider'] && !values.diff) {
    throw new Error('--fail-on-wider is only allowed with --diff');
  }
  return {
    diff: values.diff,
    json: values.json,
    output: values.output,
    failOnWider: values['fail-on-wider'],
    help: values.help,
    paths: positionals,
  };
}

/** Reads a report from a cloud assembly directory or from a `gatehouse-report.json` file. */
function loadReport(path: string): EffectivePolicyReport {
  if (!existsSync(path)) {
    throw new Error(`${path} not found`);
  }
  if (statSync(path).isDirectory()) {
    return buildReport(path);
  }
  const report = JSON.parse(readFileSync(path, 'utf8')) as EffectivePolicyReport;
  if (report.formatVersion !== REPORT_FORMAT_VERSION) {
    throw new Error(
      `${path} has report format version ${String(report.formatVersion)}, expected ${REPORT_FORMAT_VERSION}`,
    );
  }
  return report;
}

function emit(text: string, file: string | undefined, output: CommandOutput): void {
  if (file) {
    writeFileSync(file, text);
  } else {
    output.stdout(text);
  }
}
