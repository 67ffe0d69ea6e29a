import type { Classifier } from '../classify';
import type { Decision } from '../classify/types';
import { buildIndex, type SenderDirectory } from '../index';
import type { Channel, IndexRecord } from '../index/types';
import { parseMessage } from '../parse';
import type { ParsedMessage, ParseLimits } from '../parse/types';

export interface AnalyseDeps {
  limits: ParseLimits;
  senders: SenderDirectory;
  scannerAddresses: string[];
  classifier: Classifier;
}

export interface AnalyseContext {
  /** Receipt date: IMAP INTERNALDATE in the pipeline; offline, --received or the Date header. */
  receivedAt?: Date | null;
  channel?: Channel;
  /** Final destination of the registered message this one replies to (thread following). */
  threadDestination?: (ids: string[]) => string | null;
}

export interface Analysis {
  parsed: ParsedMessage;
  index: IndexRecord;
  decision: Decision;
  receivedAt: Date;
}

/** parse → index → classify: the offline path shared by the worker, the CLI and the benchmark. */
export async function analyseMessage(source: Buffer, deps: AnalyseDeps, ctx: AnalyseContext = {}): Promise<Analysis> {
  const parsed = await parseMessage(source, deps.limits);
  const index = buildIndex(parsed, {
    senders: deps.senders,
    scannerAddresses: deps.scannerAddresses,
    channel: ctx.channel,
    maxTextChars: deps.limits.maxTextChars,
  });
  const receivedAt = ctx.receivedAt ?? parsed.date ?? new Date();
  const threadIds = [parsed.inReplyTo, ...parsed.references.slice().reverse()].filter((x): x is string => !!x);
  const threadDestination = threadIds.length > 0 && ctx.threadDestination ? ctx.threadDestination(threadIds) : null;
  const decision = deps.classifier.classify({ index, receivedAt, threadDestination });
  return { parsed, index, decision, receivedAt };
}
