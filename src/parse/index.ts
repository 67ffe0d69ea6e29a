export { parseMessage } from './parse-message';
export { DEFAULT_PARSE_LIMITS, validateLimits } from './limits';
export { pdfWorkerPath } from './pdf';
export type { Address, ParsedAttachment, ParsedMessage, ParseLimits } from './types';
