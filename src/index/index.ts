export { buildIndex, extractIdentifiers, maskIdentifiers, type IndexOptions } from './build-index';
export { loadSenderDirectory, type SenderDirectory } from './senders';
export { detectLanguage, LANGUAGES, type LanguageResult } from './language';
export type { Channel, Identifiers, IndexRecord, SenderKind } from './types';
