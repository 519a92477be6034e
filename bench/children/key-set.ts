/** Key-set child: loads one handler and decides single requests, so the parent sets the pace. */
import { serveCalls } from '../lib/child';
import { requestEvent } from '../lib/events';
import { gatehouseConfig } from '../lib/gatehouse-config';
import { Handler, decide, loadGatehouse, loadPeer } from '../lib/handlers';
import { OutageWindow, outagePeer } from '../lib/outage-peers';

export interface KeySetLoadParams {
  /** Peer bundle to load; our authorizer is loaded when absent. */
  readonly peerBundle?: string;
  readonly jwksUrl: string;
  /**
   * Short key-cache limits for the identity-provider outage scenario. Our authorizer gets
   * them in its config, and a peer named here gets its library's equivalent setting.
   */
  readonly outage?: OutageWindow & { readonly peer?: string };
}

/** Key-cache setting that `load` used, for the outage scenario's report. */
export interface KeySetLoadResult {
  readonly setting: string;
  /** False when the subject has no setting equivalent to the outage window. */
  readonly comparable: boolean;
}

export interface MemorySample {
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly rssBytes: number;
}

let handler: Handler | undefined;

function load(params: KeySetLoadParams): KeySetLoadResult {
  const outage = params.outage;
  if (!params.peerBundle) {
    const keyCache = outage
      ? { maxAgeSeconds: outage.maxAgeSeconds, maxStaleSeconds: outage.maxStaleSeconds }
      : {};
    handler = loadGatehouse(gatehouseConfig(params.jwksUrl, 1, keyCache));
    // The JwtValidator construct accepts a maxAge of 60 s at least. This config is written
    // here, not synthesized, so the outage scenario can use a window of a few seconds.
    const setting = outage
      ? `maxAgeSeconds ${outage.maxAgeSeconds} and maxStaleSeconds ${outage.maxStaleSeconds} in the benchmark's own config.json, below the JwtValidator construct's 60 s minimum maxAge`
      : 'JwtValidator defaults';
    return { setting, comparable: true };
  }
  if (outage?.peer) {
    const peer = outagePeer(outage.peer, params.jwksUrl, outage);
    handler = peer.handler ?? loadPeer(params.peerBundle, params.jwksUrl);
    return { setting: peer.setting, comparable: peer.comparable };
  }
  handler = loadPeer(params.peerBundle, params.jwksUrl);
  return { setting: 'library defaults', comparable: true };
}

serveCalls({
  load,
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
