import { ChildProcess, fork } from 'node:child_process';

/** A call from the benchmark process to a child, and the child's reply. */
interface CallMessage {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

interface ReplyMessage {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

export interface ChildOptions {
  /** Node.js flags; `--import tsx` is added for a `.ts` file. */
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Destination of the child's stdout, where our authorizer writes a log line per decision. */
  readonly stdout?: 'ignore' | 'inherit';
}

/** A child process that serves calls, one module of `bench/children/` per kind of child. */
export class ChildHandle {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: ReplyMessage) => void>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ReplyMessage) => this.pending.get(message.id)?.(message));
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const resolve of this.pending.values()) {
        resolve({ id: -1, error: `child exited with code ${code} and signal ${signal}` });
      }
      this.pending.clear();
    });
  }

  /** Starts `file` in a fresh Node.js process with an IPC channel. */
  static start(file: string, options: ChildOptions = {}): ChildHandle {
    const tsx = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = fork(file, [], {
      execArgv: [...tsx, ...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
    });
    return new ChildHandle(child);
  }

  /** Calls `method` in the child; rejects after `timeoutMs` and stops the child then. */
  call<T>(method: string, params: unknown = {}, timeoutMs = 120_000): Promise<T> {
    if (this.exited) {
      return Promise.reject(new Error(`cannot call ${method}: the child has exited`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.child.kill();
        reject(new Error(`child call ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (reply.error !== undefined) {
          reject(new Error(`child call ${method} failed: ${reply.error}`));
        } else {
          resolve(reply.result as T);
        }
      });
      const message: CallMessage = { id, method, params };
      this.child.send(message);
    });
  }

  /** Stops the child and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.exited) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill();
    await exited;
  }
}

/** Serves calls from the parent with `methods`, in the child process. */
export function serveCalls(
  methods: Record<string, (params: never) => unknown | Promise<unknown>>,
): void {
  // ChildHandle.stop() sends SIGTERM; exiting normally runs 'exit' handlers that clean up.
  process.once('SIGTERM', () => process.exit(0));
  process.on('message', (message: CallMessage) => {
    const method = methods[message.method];
    const reply = (payload: Omit<ReplyMessage, 'id'>) =>
      process.send?.({ id: message.id, ...payload });
    if (!method) {
      reply({ error: `unknown method ${message.method}` });
      return;
    }
    Promise.resolve()
      .then(() => method(message.params as never))
      .then(
        (result) => reply({ result }),
        (error: unknown) =>
          reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
}
