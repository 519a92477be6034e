#!/usr/bin/env node
import { CommandOutput, runReportCommand } from '../cli/report';
import { runSubscriptionsCommand } from '../cli/subscriptions';
import { runBasicAuthCommand } from '../cli/basic-auth';

type Command = (args: string[], output: CommandOutput) => number | Promise<number>;

/** Every `gatehouse <command>`; each one lives in `cli/<command>.ts`. */
const COMMANDS: Record<string, Command> = {
  report: runReportCommand,
  subscriptions: runSubscriptionsCommand,
  'basic-auth': (args, output) => runBasicAuthCommand(args, output),
};

const output: CommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    output.stderr(
      `Usage: gatehouse <command> [options]\nCommands: ${Object.keys(COMMANDS).join(', ')}\n`,
    );
    return name === undefined || name === '--help' ? 0 : 2;
  }
  return command(args, output);
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
