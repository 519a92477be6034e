/** Key-set child: loads one handler and decides single requests, so the parent sets the pace. */
import { serveCalls } from '../lib/child';
import { requestEvent } from '../lib/events';
import { gatehouseConfig } from '../lib/gatehouse-config';
import { Handler, decide, loadGatehouse, loadPeer } from '../lib/handlers';

export interface KeySetLoadParams {
  /** Peer bundle to load; our authorizer is loaded when absent. */
  readonly peerBundle?: string;
  readonly jwksUrl: string;
}

export interface MemorySample {
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly rssBytes: number;
}

let handler: Handler | undefined;

serveCalls({
  load: (params: KeySetLoadParams) => {
    handler = params.peerBundle
      ? loadPeer(params.peerBundle, params.jwksUrl)
      : loadGatehouse(gatehouseConfig(params.jwksUrl));
    return true;
  },
  decide: async (params: { token: string }) => {
    if (!handler) {
      throw new Error('decide was called before load');
    }
    return decide(handler, requestEvent(params.token));
  },
  memory: (): MemorySample => {
    // Two collections, so objects freed by finalizers of the first are gone too.
    globalThis.gc?.();
    globalThis.gc?.();
    const usage = process.memoryUsage();
    return { heapUsedBytes: usage.heapUsed, externalBytes: usage.external, rssBytes: usage.rss };
  },
});
