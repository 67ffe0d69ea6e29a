/** html-to-text 10 ships no types; the one function used here (see parse-message.ts). */
declare module 'html-to-text' {
  export function compile(options?: { limits?: { maxDepth?: number } }): (html: string) => string;
}
